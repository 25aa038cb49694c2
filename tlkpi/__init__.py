"""tlkpi: shared core of the pipeline (settings, errors, the drop zone, file reading, demo data)."""

__version__ = "0.1.0"
