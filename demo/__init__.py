"""The demo data generator: fictional establishments and their KPI files."""
