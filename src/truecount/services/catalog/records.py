"""The catalogue: merchants, products and variants, locations, inventory types."""

from __future__ import annotations

from dataclasses import asdict, dataclass

from sqlalchemy import Connection, insert, select

from truecount.adapters.db.engine import Database
from truecount.adapters.db.tables.catalog import (
    barcodes,
    bundle_components,
    inventory_types,
    locations,
    merchants,
    products,
    variants,
)
from truecount.domain.assembly import MODES
from truecount.domain.commands import AddLocation, AddProduct, VariantSpec
from truecount.domain.errors import AlreadyExists, InvalidInput
from truecount.domain.model import LocationKind
from truecount.domain.skus import sku_problem
from truecount.services.common.available import refresh_feeding
from truecount.services.common.idempotency import run_once
from truecount.services.common.lookups import location_id, variant_id
from truecount.services.common.scope import Scope, db_time, utcnow

from .new_variants import insert_variants, variant_row

DEFAULT_TYPES = (("good", True), ("damaged", False))
MAX_CODE = 128


@dataclass(frozen=True, slots=True)
class InventoryTypeRow:
    """An inventory type and whether channels sell it by default."""

    code: str
    sellable: bool


@dataclass(frozen=True, slots=True)
class VariantRef:
    """A variant created: its id and SKU."""

    id: int
    sku: str


@dataclass(frozen=True, slots=True)
class ProductCreated:
    """A product as :func:`add_product` created it; ``replayed``: the key's first answer again."""

    id: int
    name: str
    variants: list[VariantRef]
    replayed: bool = False


@dataclass(frozen=True, slots=True)
class LocationRow:
    """A location or bin (``parent``: the code of the location it is in); ``replayed``: a write's
    key answered its first answer again."""

    id: int
    code: str
    name: str
    kind: str
    saleable: bool
    parent: str | None
    priority: int
    replayed: bool = False


def ensure_merchant(conn: Connection, code: str = "default", name: str = "Default merchant") -> int:
    """The merchant with this code, created (with the default inventory types) if new."""
    found = conn.execute(select(merchants.c.id).where(merchants.c.code == code)).scalar()
    if found is not None:
        return int(found)
    pk = conn.execute(insert(merchants).values(code=code, name=name, created_at=db_time(utcnow()))).inserted_primary_key
    assert pk is not None
    merchant_id = int(pk[0])
    for type_code, sellable in DEFAULT_TYPES:
        conn.execute(insert(inventory_types).values(merchant_id=merchant_id, code=type_code, sellable=sellable))
    return merchant_id


def add_inventory_type(db: Database, scope: Scope, code: str, sellable: bool) -> InventoryTypeRow:
    check_code(code, "code")
    with db.write() as conn:
        exists = conn.execute(
            select(inventory_types.c.id).where(
                inventory_types.c.merchant_id == scope.merchant_id, inventory_types.c.code == code
            )
        ).scalar()
        if exists is not None:
            raise AlreadyExists(f"inventory type {code!r} already exists", field="code")
        conn.execute(insert(inventory_types).values(merchant_id=scope.merchant_id, code=code, sellable=sellable))
    return InventoryTypeRow(code, sellable)


def add_product(db: Database, scope: Scope, cmd: AddProduct, key: str | None = None) -> ProductCreated:
    """Create a product with its variants, barcodes and bundle components (all or nothing)."""
    validate_product(cmd)
    with db.write() as conn:
        payload = {"product": asdict(cmd)}
        return run_once(conn, scope.merchant_id, key, payload, lambda: _add_product(conn, scope, cmd), ProductCreated)


def create_product(conn: Connection, scope: Scope, cmd: AddProduct) -> ProductCreated:
    """Validate and create a product inside the caller's write transaction (imports)."""
    validate_product(cmd)
    return _add_product(conn, scope, cmd)


def _add_product(conn: Connection, scope: Scope, cmd: AddProduct) -> ProductCreated:
    m, now = scope.merchant_id, db_time(utcnow())
    pk = conn.execute(
        insert(products).values(merchant_id=m, name=cmd.name.strip(), created_at=now)
    ).inserted_primary_key
    assert pk is not None
    product_id = int(pk[0])
    ids = insert_variants(conn, m, product_id, cmd.variants, now)  # together, when nothing needs refusing
    if ids is None:
        ids = [insert_variant(conn, m, product_id, spec, f"variants[{i}]") for i, spec in enumerate(cmd.variants)]
    created = [VariantRef(vid, spec.sku) for vid, spec in zip(ids, cmd.variants, strict=True)]
    return ProductCreated(product_id, cmd.name.strip(), created)


def insert_variant(conn: Connection, m: int, product_id: int, spec: VariantSpec, where: str) -> int:
    """Insert one variant of ``product_id`` with its barcodes and components; its id. ``where`` names it in refusals."""
    now = db_time(utcnow())
    taken = conn.execute(select(variants.c.id).where(variants.c.merchant_id == m, variants.c.sku == spec.sku)).scalar()
    if taken is not None:
        raise AlreadyExists(f"SKU {spec.sku!r} already exists", field=f"{where}.sku")
    vpk = conn.execute(insert(variants).values(**variant_row(m, product_id, spec, now))).inserted_primary_key
    assert vpk is not None
    vid = int(vpk[0])
    for code in spec.barcodes:
        if conn.execute(
            select(barcodes.c.variant_id).where(barcodes.c.merchant_id == m, barcodes.c.code == code)
        ).first():
            raise AlreadyExists(f"barcode {code!r} already belongs to another variant", field=f"{where}.barcodes")
        if conn.execute(select(variants.c.id).where(variants.c.merchant_id == m, variants.c.sku == code)).first():
            raise AlreadyExists(f"barcode {code!r} is another variant's SKU", field=f"{where}.barcodes")
        conn.execute(insert(barcodes).values(merchant_id=m, code=code, variant_id=vid))
    for j, comp in enumerate(spec.components):
        cid = variant_id(conn, m, comp.sku, field=f"{where}.components[{j}].sku")
        is_bundle = conn.execute(select(variants.c.is_bundle).where(variants.c.id == cid)).scalar()
        if is_bundle:
            raise InvalidInput(
                f"{comp.sku} is itself a bundle: bundles of bundles are not supported",
                field=f"{where}.components[{j}].sku",
            )
        conn.execute(
            insert(bundle_components).values(merchant_id=m, bundle_id=vid, component_id=cid, quantity=comp.quantity)
        )
    return vid


def validate_product(cmd: AddProduct) -> None:
    if not cmd.name or not cmd.name.strip():
        raise InvalidInput("is required", field="name")
    if len(cmd.name) > 300:
        raise InvalidInput("is longer than 300 characters", field="name")
    if "\x00" in cmd.name:
        raise InvalidInput("must not contain a NUL character", field="name")
    if not cmd.variants:
        raise InvalidInput("must list at least one variant", field="variants")
    seen: set[str] = set()
    for i, spec in enumerate(cmd.variants):
        where = f"variants[{i}]"
        validate_variant(spec, where)
        if spec.sku in seen:
            raise InvalidInput(f"SKU {spec.sku!r} is listed twice", field=f"{where}.sku")
        seen.add(spec.sku)


def validate_variant(spec: VariantSpec, where: str = "") -> None:
    """Check a new variant before anything is written; ``where`` prefixes the fields named (``variants[2]``)."""
    prefix = f"{where}." if where else ""
    check_sku(spec.sku, f"{prefix}sku")
    for code in spec.barcodes:
        check_code(code, f"{prefix}barcodes")
    comps: set[str] = set()
    for j, comp in enumerate(spec.components):
        if comp.sku == spec.sku:
            raise InvalidInput("a bundle cannot contain itself", field=f"{prefix}components[{j}].sku")
        if comp.sku in comps:
            raise InvalidInput(f"component {comp.sku!r} is listed twice", field=f"{prefix}components[{j}].sku")
        comps.add(comp.sku)
        if isinstance(comp.quantity, bool) or not isinstance(comp.quantity, int) or not 0 < comp.quantity <= 100_000:
            raise InvalidInput("must be a whole number from 1 to 100000", field=f"{prefix}components[{j}].quantity")
    if spec.mode is not None and spec.mode not in MODES:
        raise InvalidInput(f"must be one of {', '.join(MODES)}", field=f"{prefix}mode")
    if spec.mode is not None and not spec.components:
        raise InvalidInput("applies to a kit: give its components", field=f"{prefix}mode")
    if spec.components and not spec.tracked:
        raise InvalidInput(
            "a bundle is counted through its components: it cannot be untracked", field=f"{prefix}tracked"
        )


def check_sku(sku: str, field_name: str = "sku") -> None:
    """Refuse a new SKU that breaks the SKU rule (:mod:`truecount.domain.skus`), naming ``field_name``."""
    problem = sku_problem(sku)
    if problem is not None:
        raise InvalidInput(problem, field=field_name)


def check_code(code: str, field_name: str) -> None:
    if not code or not code.strip():
        raise InvalidInput("is required", field=field_name)
    if code != code.strip() or any(ch.isspace() for ch in code):
        raise InvalidInput(f"{code!r} must not contain spaces", field=field_name)
    if not code.isprintable():
        raise InvalidInput(f"{code!r} must not contain control characters", field=field_name)
    if len(code) > MAX_CODE:
        raise InvalidInput(f"is longer than {MAX_CODE} characters", field=field_name)


def add_location(db: Database, scope: Scope, cmd: AddLocation, key: str | None = None) -> LocationRow:
    """Create a location; a ``parent`` makes it a bin whose counts roll up."""
    validate_location(cmd)
    with db.write() as conn:
        payload = {"location": asdict(cmd)}
        return run_once(conn, scope.merchant_id, key, payload, lambda: _add_location(conn, scope, cmd), LocationRow)


def create_location(conn: Connection, scope: Scope, cmd: AddLocation) -> LocationRow:
    """Create a location inside the caller's write transaction (imports)."""
    validate_location(cmd)
    return _add_location(conn, scope, cmd)


def validate_location(cmd: AddLocation) -> None:
    check_code(cmd.code, "code")
    if not cmd.name or not cmd.name.strip():
        raise InvalidInput("is required", field="name")
    if "\x00" in cmd.name:
        raise InvalidInput("must not contain a NUL character", field="name")
    kinds = [k.value for k in LocationKind]
    if cmd.kind not in kinds:
        raise InvalidInput(f"must be one of {', '.join(kinds)}", field="kind")
    if isinstance(cmd.priority, bool) or not isinstance(cmd.priority, int) or not 0 <= cmd.priority <= 1_000_000:
        raise InvalidInput("must be a whole number from 0 to 1000000", field="priority")


def _add_location(conn: Connection, scope: Scope, cmd: AddLocation) -> LocationRow:
    m = scope.merchant_id
    if conn.execute(select(locations.c.id).where(locations.c.merchant_id == m, locations.c.code == cmd.code)).first():
        raise AlreadyExists(f"location {cmd.code!r} already exists", field="code")
    parent_id = location_id(conn, m, cmd.parent, field="parent") if cmd.parent else None
    pk = conn.execute(
        insert(locations).values(
            merchant_id=m,
            code=cmd.code,
            name=cmd.name.strip(),
            kind=cmd.kind,
            parent_id=parent_id,
            saleable=cmd.saleable,
            priority=cmd.priority,
            created_at=db_time(utcnow()),
        )
    ).inserted_primary_key
    assert pk is not None
    refresh_feeding(conn, m, created=int(pk[0]))
    return location_row(int(pk[0]), cmd)


def location_row(location_id: int, cmd: AddLocation) -> LocationRow:
    """The row of location ``location_id`` as ``cmd`` states it."""
    return LocationRow(location_id, cmd.code, cmd.name, cmd.kind, cmd.saleable, cmd.parent, cmd.priority)
