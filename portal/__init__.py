"""The establishments' deposit portal (FastAPI + Jinja2, served by uvicorn through `tlkpi portal`)."""
