"""Prefect flows (they only order tasks) and the `tlkpi` command line."""
