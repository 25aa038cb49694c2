"""Disclosure control: cells, statistics, ROI, publication rules, audit, corrections and editions."""
