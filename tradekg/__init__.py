"""tradekg: an open knowledge graph of trade policy."""

__version__ = "0.1.0"
