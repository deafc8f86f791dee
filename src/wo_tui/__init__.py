"""wo-tui: maintenance work orders in the terminal."""

__version__ = "0.1.0"
