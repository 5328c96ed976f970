"""The one door to tradekg's dataset: the store interface, its embedded and remote backends, and what they share."""
