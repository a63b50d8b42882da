"""reconnect: rank the people worth reconnecting with."""

__version__ = "0.1.0"
