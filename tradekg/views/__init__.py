"""Domain views: what a country faces and imposes, what a measure is, a world map and a drawn timeline.

Plain functions over a :class:`~tradekg.store.interface.TradeStore`, reading it through SPARQL (``store.query``) only,
returning small dataclasses with ``to_json()``; the server renders them. Nothing here knows about HTTP.
"""
