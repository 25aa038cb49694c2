"""The public site of a quarter: pages, calculator, open data, manifest, and the writer that stages it."""
