"""The OpenAPI document, with every status an operation can answer documented in the one error shape.

FastAPI documents what a route declares (its success and 422); :func:`install_openapi` adds, to each
operation, the refusals it can meet on the way — credentials (401), role or CSRF (403), a name that
is not found (404), a conflict (409), a body over its limit (413), a busy database (503) — each with
the ``Error`` schema, and replaces FastAPI's own 422 schema with it.
"""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI
from fastapi.openapi.utils import get_openapi

ERROR_SCHEMA: dict[str, Any] = {
    "type": "object",
    "required": ["error"],
    "properties": {
        "error": {
            "type": "object",
            "required": ["code", "message", "details"],
            "properties": {
                "code": {"type": "string", "description": "e.g. invalid_input, not_found, insufficient_stock"},
                "message": {"type": "string", "description": "`field: reason`, for people"},
                "details": {
                    "type": "array",
                    "items": {"type": "object"},
                    "description": "one `{field, reason}` per problem, or what the refusal names (short lines)",
                },
            },
        }
    },
}

DESCRIPTIONS = {
    "401": "No valid credentials (a missing, unknown or revoked token; a disabled user; an ended session).",
    "403": "The caller's role does not allow this (or a page's write lacks its CSRF token).",
    "404": "A name in the request (SKU, location, channel, order…) is not known to the caller's merchant.",
    "409": "Conflicts with what is stored: not enough stock, a key taken, an idempotency key reused, an order's "
    "external_id already recorded with other lines.",
    "413": "The body is larger than the route's limit (refused while read, before it is parsed).",
    "422": "The request cannot be read as the schema: the field and the reason in `details`.",
    "503": "The database is busy (a lock not granted in time): nothing was written; retry after `Retry-After`.",
}
WRITES = {"post", "put", "patch", "delete"}
PAGING = {"limit", "offset"}


def statuses(path: str, method: str, operation: dict[str, Any]) -> list[str]:
    """The refusals an operation can answer."""
    found = {"422", "503"}
    webhook = path.startswith("/api/v1/webhooks/")
    found.add("401")
    if not webhook:
        found.add("403")
    params = {p.get("name") for p in operation.get("parameters", [])} - PAGING - {"Idempotency-Key"}
    if (params or method in WRITES) and not webhook:
        found.add("404")
    if method in WRITES:
        found.add("413")
        if not webhook:
            found.add("409")
    return sorted(found)


def install_openapi(app: FastAPI) -> None:
    """Serve the document with :func:`statuses` added to every operation under ``/api/``."""

    def build() -> dict[str, Any]:
        if app.openapi_schema:
            return app.openapi_schema
        schema = get_openapi(title=app.title, version=app.version, description=app.description, routes=app.routes)
        schema.setdefault("components", {}).setdefault("schemas", {})["Error"] = ERROR_SCHEMA
        error = {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}
        for path, operations in schema.get("paths", {}).items():
            if not path.startswith("/api/"):
                continue
            for method, operation in operations.items():
                responses = operation.setdefault("responses", {})
                for status in statuses(path, method, operation):
                    own = responses.get(status, {}).get("description") if status != "422" else None
                    responses[status] = {"description": own or DESCRIPTIONS[status], "content": error}
        for unused in ("HTTPValidationError", "ValidationError"):
            schema["components"]["schemas"].pop(unused, None)
        app.openapi_schema = schema
        return schema

    app.openapi = build  # type: ignore[method-assign]
