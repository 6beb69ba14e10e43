"""The HTTP API (FastAPI) under ``/api/v1``: see docs/api.md. Build it with :func:`app.create_app`."""
