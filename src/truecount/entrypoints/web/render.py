"""Rendering pages: the templates, and what every page gets (the user, the CSRF token, the nav)."""

from __future__ import annotations

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
# The templates ship with the code: not checked for changes on disk at every use (a stat per template
# and per include, 50 a stock screen page). Edit them with the server restarted.
templates.env.auto_reload = False


# The navigation, in order: (path, title). Daily work first, then what is watched, then set-up.
NAV: list[tuple[str, str]] = [
    ("/", "Stock"),
    ("/orders", "Orders"),
    ("/work", "Stock work"),
    ("/stocktakes", "Stocktakes"),
    ("/pick-lists", "Pick lists"),
    ("/work-orders", "Work orders"),
    ("/purchase-orders", "Purchase orders"),
    ("/feeds", "Feeds"),
    ("/boms", "Kits"),
    ("/scan", "Scan"),
    ("/incidents", "Incidents"),
    ("/channels", "Channels"),
    ("/trackers", "Trackers"),
    ("/labels", "Labels"),
    ("/setup", "Set-up"),
    ("/users", "Users"),
]


def render(
    request: Request, template: str, user: Principal | None = None, status: int = 200, **context: Any
) -> HTMLResponse:
    tc = request.app.state.truecount
    session = session_value(tc, request)
    context.update(
        user=user,
        csrf=csrf_token(tc, session) if session else "",
        nav=NAV,
        path=request.url.path,
    )
    return templates.TemplateResponse(request, template, context, status_code=status)


def render_error(request: Request, status: int, error: dict[str, Any]) -> Response:
    return render(request, "error.html", None, status, error=error, status_code=status)
