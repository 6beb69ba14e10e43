"""Factories for test data: build what a test needs in one call, with sensible defaults."""

from __future__ import annotations

from typing import Any

from truecount.adapters.db.engine import Database
from truecount.domain.commands import AddLocation, AddProduct, ComponentSpec, PostMovement, VariantSpec
from truecount.services.catalog import records as catalog
from truecount.services.common.scope import Scope
from truecount.services.stock.movements import MovementRecorded, post_movement


def location(db: Database, scope: Scope, code: str, **kwargs: Any) -> str:
    kwargs.setdefault("name", code)
    catalog.add_location(db, scope, AddLocation(code=code, **kwargs))
    return code


def variant(db: Database, scope: Scope, sku: str, *, name: str | None = None, **kwargs: Any) -> str:
    components = [ComponentSpec(s, q) for s, q in kwargs.pop("components", [])]
    spec = VariantSpec(sku=sku, components=components, **kwargs)
    catalog.add_product(db, scope, AddProduct(name or f"Product {sku}", [spec]))
    return sku


def receive(db: Database, scope: Scope, sku: str, quantity: int, at: str, **kwargs: Any) -> MovementRecorded:
    return post_movement(db, scope, PostMovement("receive", sku, at, quantity, **kwargs))


def move(db: Database, scope: Scope, kind: str, sku: str, at: str, quantity: int, **kwargs: Any) -> MovementRecorded:
    return post_movement(db, scope, PostMovement(kind, sku, at, quantity, **kwargs))
