"""Rendering pages: the templates, and what every page gets (the user, the CSRF token, the nav)."""

from __future__ import annotations

import importlib.util
from pathlib import Path
from typing import Any

from fastapi import Request
from fastapi.responses import HTMLResponse, Response
from fastapi.templating import Jinja2Templates

from truecount.domain.accounts import Principal
from truecount.entrypoints.api.auth import session_value
from truecount.entrypoints.api.deps import csrf_token

HERE = Path(__file__).parent
STATIC = HERE / "static"
templates = Jinja2Templates(directory=HERE / "templates")


# The navigation, in order: (path, title, the pages module that serves it). A link appears when its
# module is in this build. Daily work first, then what is watched, then set-up.
NAV: list[tuple[str, str, str]] = [
    ("/", "Stock", "stock"),
    ("/orders", "Orders", "orders"),
    ("/work", "Stock work", "stock_work"),
    ("/stocktakes", "Stocktakes", "stocktakes"),
    ("/pick-lists", "Pick lists", "picking"),
    ("/work-orders", "Work orders", "assembly"),
    ("/purchase-orders", "Purchase orders", "purchase_orders"),
    ("/boms", "Kits", "assembly"),
    ("/scan", "Scan", "scan"),
    ("/incidents", "Incidents", "orders"),
    ("/channels", "Channels", "channels"),
    ("/trackers", "Trackers", "trackers"),
    ("/labels", "Labels", "labels"),
    ("/setup", "Set-up", "setup_products"),
    ("/users", "Users", "users"),
]


def nav_pages() -> list[tuple[str, str]]:
    """The navigation: the pages of this build (a link appears when its ``pages/`` module exists)."""
    return [
        (path, title)
        for path, title, module in NAV
        if importlib.util.find_spec(f"truecount.entrypoints.web.pages.{module}") is not None
    ]


def render(
    request: Request, template: str, user: Principal | None = None, status: int = 200, **context: Any
) -> HTMLResponse:
    tc = request.app.state.truecount
    session = session_value(tc, request)
    context.update(
        user=user,
        csrf=csrf_token(tc, session) if session else "",
        nav=nav_pages(),
        path=request.url.path,
    )
    return templates.TemplateResponse(request, template, context, status_code=status)


def render_error(request: Request, status: int, error: dict[str, Any]) -> Response:
    return render(request, "error.html", None, status, error=error, status_code=status)
