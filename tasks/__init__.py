"""Prefect tasks: thin wrappers, one per pipeline step, each calling one pure function."""
