"""The HTML pages (Jinja2, server-rendered, a little plain JS, no build step): see docs/web.md.

:func:`mount` adds them to the app :func:`truecount.entrypoints.api.app.create_app` builds:
every module in ``pages/`` with a module-level ``router`` is included.
"""

from __future__ import annotations

from fastapi import FastAPI
from fastapi.staticfiles import StaticFiles

from truecount.entrypoints.api.routes import discover

from . import pages
from .render import STATIC, render_error


def mount(app: FastAPI) -> None:
    app.mount("/static", StaticFiles(directory=STATIC), name="static")
    for router in discover(pages.__name__, list(pages.__path__)):
        app.include_router(router)
    app.state.render_error = render_error
