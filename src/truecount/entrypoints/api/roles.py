"""Which role each API operation needs, read from the routes themselves.

A route's role is the highest :func:`~.deps.RequireRole` among its dependencies; a route with none is
open to every signed-in role (``viewer`` and up: the request guard authenticates every path but the
public ones); a public path (channel webhooks, signed by the channel) needs no sign-in. docs/api.md
carries this as a table, and a test holds the table and the code to each other:
``python -m truecount.entrypoints.api.roles`` prints the table as the code has it.
"""

from __future__ import annotations

from fastapi import FastAPI
from fastapi.dependencies.models import Dependant
from fastapi.routing import APIRoute, RouteContext, iter_route_contexts

from truecount.domain.accounts import Role, role_allows

from .deps import ROLE_CHECKS
from .guard import is_public

#: The role of an operation anyone may call (a channel's webhook: the channel's signature is checked).
NO_SIGN_IN = "none"
DOCS_HEADER = "| Operation | Least role |\n|---|---|"


def _required(dependant: Dependant) -> list[str]:
    found = [ROLE_CHECKS[d.call] for d in dependant.dependencies if d.call in ROLE_CHECKS]
    for sub in dependant.dependencies:
        found.extend(_required(sub))
    return found


def least_role(route: RouteContext) -> str:
    """The least role that may call ``route``: ``none``, ``viewer``, ``staff`` or ``admin``."""
    if is_public(route.path_format or ""):
        return NO_SIGN_IN
    needed = Role.VIEWER.value
    for role in _required(route.dependant):
        if role_allows(role, needed):
            needed = role
    return needed


def operation_roles(app: FastAPI) -> dict[str, str]:
    """``{"POST /api/v1/movements": "staff", …}`` for every operation the OpenAPI document lists
    (a route with its router's dependencies, as FastAPI includes it)."""
    roles: dict[str, str] = {}
    for route in iter_route_contexts(app.routes):
        if isinstance(route.original_route, APIRoute) and route.include_in_schema:
            for method in sorted((route.methods or set()) - {"HEAD"}):
                roles[f"{method} {route.path_format}"] = least_role(route)
    return roles


def roles_table(app: FastAPI) -> str:
    """The docs' table: one row per operation, by path then method."""
    ordered = sorted(operation_roles(app).items(), key=lambda item: (item[0].split(" ")[1], item[0]))
    rows = [f"| `{operation}` | {role} |" for operation, role in ordered]
    return "\n".join([DOCS_HEADER, *rows])
