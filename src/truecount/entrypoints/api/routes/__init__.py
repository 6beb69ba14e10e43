"""One module per resource. Every module here with a module-level ``router`` (an ``APIRouter``)
is included by :func:`truecount.entrypoints.api.app.create_app`, in module-name order —
adding a resource is adding a file (see docs/api.md)."""

from __future__ import annotations

import importlib
import pkgutil

from fastapi import APIRouter

API_PREFIX = "/api/v1"


def discover(package: str, path: list[str]) -> list[APIRouter]:
    """The ``router`` of every module in a package, sorted by module name."""
    found = []
    for info in sorted(pkgutil.iter_modules(path), key=lambda m: m.name):
        module = importlib.import_module(f"{package}.{info.name}")
        router = getattr(module, "router", None)
        if isinstance(router, APIRouter):
            found.append(router)
    return found


def all_routers() -> list[APIRouter]:
    return discover(__name__, __path__)
