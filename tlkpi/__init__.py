"""tlkpi: the ground floor every room may use: settings and errors."""

__version__ = "0.1.0"
