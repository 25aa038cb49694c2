"""Each establishment's private report: its own values against the published peer figures."""
