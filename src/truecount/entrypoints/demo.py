"""A realistic demo shop: apparel in sizes and colours, warehouses with bins, a shop, a
drop-shipper, channels, and a plausible month of movements — all through the real write path.

Deterministic (seeded): the same database every time. Movements and orders are back-dated over
the past 30 days in time order (none in the future), so ``stock --as-of``, the history charts, the
orders list and the trackers have a story to tell.
"""

from __future__ import annotations

import random
from collections.abc import Callable, Iterator
from dataclasses import dataclass, replace
from datetime import date, datetime, timedelta

from sqlalchemy import Connection, func, select

from truecount.adapters.db.engine import Database
from truecount.adapters.db.tables.catalog import variants
from truecount.domain.commands import (
    AddLocation,
    AddProduct,
    ComponentSpec,
    CreateChannel,
    OrderLineSpec,
    PlaceOrder,
    PostMovement,
    SetTracker,
    VariantSpec,
)
from truecount.domain.errors import TruecountError
from truecount.domain.suppliers import AddSupplier, SetSupplierItem
from truecount.services.catalog import records as catalog
from truecount.services.channels.setup import create_channel
from truecount.services.common import availability
from truecount.services.common.lookups import inventory_type_id, location_id, variant_id
from truecount.services.common.scope import Scope, db_time, utcnow
from truecount.services.orders.place import place_order
from truecount.services.stock.bulk import Entry, Meta, record_many
from truecount.services.stock.movements import record_movement
from truecount.services.suppliers import records as suppliers
from truecount.services.trackers.watch import set_tracker

from .demo_orders import Sales, staff

SIZES = ("XS", "S", "M", "L", "XL", "XXL")
# (name, code, colours, sizes, extra flags)
APPAREL: tuple[tuple[str, str, tuple[str, ...], tuple[str, ...]], ...] = (
    ("Classic tee", "TEE", ("black", "white", "navy", "heather", "forest"), SIZES),
    ("Organic hoodie", "HOOD", ("black", "oat", "navy", "rust", "sage"), SIZES),
    ("Linen shirt", "LIN", ("white", "sky", "sand", "olive", "black"), SIZES),
    ("Rain jacket", "RAIN", ("yellow", "navy", "black", "sunflower"), SIZES),
    ("Denim jacket", "DEN", ("indigo", "black", "bleach"), SIZES),
    ("Running shorts", "RUN", ("black", "navy", "coral", "teal"), ("XS", "S", "M", "L", "XL")),
    (
        "Slim chino",
        "CHI",
        ("khaki", "navy", "olive", "stone"),
        tuple(f"{w}x{leg}" for w in (28, 30, 32, 34, 36, 38) for leg in (30, 32, 34)),
    ),
    ("Merino socks", "SOCK", ("black", "navy", "grey"), ("S", "M", "L")),
    ("Beanie", "BEAN", ("black", "mustard", "navy", "cream", "forest", "rust"), ("OS",)),
    ("Canvas sneaker", "SNK", ("white", "black", "navy"), tuple(str(s) for s in range(38, 47))),
)
WAREHOUSES = (
    ("WH-NORTH", "North warehouse", "warehouse", 10, 4),
    ("WH-SOUTH", "South warehouse", "warehouse", 20, 3),
    ("WH-EAST", "East 3PL", "3pl", 30, 2),
)
ADJUST_REASONS = ("damaged in handling", "found during picking", "water damage", "mis-pick corrected", "theft")


@dataclass
class DemoSummary:
    variants: int
    locations: int
    movements: int
    channels: int
    skipped: bool = False


def has_catalogue(db: Database, scope: Scope) -> bool:
    with db.read() as conn:
        return bool(conn.execute(select(func.count()).where(variants.c.merchant_id == scope.merchant_id)).scalar_one())


def ean13(number: int) -> str:
    """A valid EAN-13 from a 12-digit body (check digit computed)."""
    body = f"{number:012d}"
    total = sum(int(d) * (3 if i % 2 else 1) for i, d in enumerate(body))
    return body + str((10 - total % 10) % 10)


def load_demo(
    db: Database, scope: Scope, *, seed: int = 2026, progress: Callable[[str], None] | None = None
) -> DemoSummary:
    """Create the demo catalogue, locations, channels and a month of movements for ``scope``'s merchant."""
    rng = random.Random(seed)
    say = progress or (lambda _message: None)
    with db.unflushed_commits():  # hundreds of small commits; the first ordinary one below flushes them
        say("catalogue")
        skus, lotted, dropship_skus = _catalogue(db, scope)
        say("locations")
        bins = _locations(db, scope)
        _supplier(db, scope, dropship_skus)
        catalog.add_inventory_type(db, scope, "used", sellable=False)
        catalog.add_inventory_type(db, scope, "quality_control", sellable=False)
        say("channels")
        channels = _channels(db, scope)
        say("a month of movements and orders")
        feeds = {spec.code: list(spec.locations) for spec in CHANNELS}
        sales = Sales(db, scope, rng, skus, {skus[6]: 6, skus[7]: 2}, feeds)
        moved = _month(db, scope, rng, skus, lotted, dropship_skus, bins, sales)
    say("stock health trackers")
    _trackers(db, scope, skus, lotted)
    say("listings and channel rules")
    _listings(db, scope, skus)
    say("a drop-ship order on a purchase order")
    _dropship_order(db, scope, dropship_skus)
    return DemoSummary(len(skus) + len(dropship_skus) + len(lotted) + 3, len(bins) + 5, moved, channels)


def _catalogue(db: Database, scope: Scope) -> tuple[list[str], list[str], list[str]]:
    skus: list[str] = []
    serial = 501234500000
    release = date.today() + timedelta(days=14)
    for name, code, colours, sizes in APPAREL:
        specs = []
        for colour in colours:
            for size in sizes:
                serial += 1
                sku = f"{code}-{colour[:3].upper()}-{size}"
                specs.append(
                    VariantSpec(
                        sku=sku,
                        barcodes=[ean13(serial)],
                        options={"colour": colour, "size": size},
                        discontinued=(code == "DEN" and colour == "bleach"),
                        sellable_from=release if (code == "RAIN" and colour == "sunflower") else None,
                    )
                )
                skus.append(sku)
        catalog.add_product(db, scope, AddProduct(name, specs))
    lotted = ["SUN-50-100ML", "BAR-OAT-12"]
    catalog.add_product(
        db,
        scope,
        AddProduct("Sunscreen SPF50 100 ml", [VariantSpec(sku=lotted[0], barcodes=[ean13(501234599001)])]),
    )
    catalog.add_product(
        db,
        scope,
        AddProduct("Oat energy bars, box of 12", [VariantSpec(sku=lotted[1], barcodes=[ean13(501234599002)])]),
    )
    socks = VariantSpec(
        sku="SOCK-3PK-M",
        options={"size": "M"},
        components=[ComponentSpec(f"SOCK-{c}-M", 1) for c in ("BLA", "NAV", "GRE")],
    )
    tees = VariantSpec(
        sku="TEE-2PK-BLA-M",
        options={"colour": "black", "size": "M"},
        components=[ComponentSpec("TEE-BLA-M", 2)],
    )
    catalog.add_product(db, scope, AddProduct("Everyday socks, 3-pack", [socks]))
    catalog.add_product(db, scope, AddProduct("Classic tee, twin pack", [tees]))
    catalog.add_product(db, scope, AddProduct("Gift card", [VariantSpec(sku="GIFT-25", tracked=False)]))
    dropship = [s for s in skus if s.startswith("SNK-")]
    return [s for s in skus if not s.startswith("SNK-")], lotted, dropship


def _locations(db: Database, scope: Scope) -> list[str]:
    bins: list[str] = []
    for code, name, kind, priority, bin_count in WAREHOUSES:
        catalog.add_location(db, scope, AddLocation(code=code, name=name, kind=kind, priority=priority))
        for i in range(1, bin_count + 1):
            bin_code = f"{code}-{chr(64 + i)}01"
            catalog.add_location(
                db,
                scope,
                AddLocation(
                    code=bin_code, name=f"{name} aisle {chr(64 + i)}", kind=kind, parent=code, priority=priority
                ),
            )
            bins.append(bin_code)
    catalog.add_location(
        db,
        scope,
        AddLocation(code="SHOP-LDN", name="London shop (display stock)", kind="store", saleable=False, priority=50),
    )
    catalog.add_location(
        db, scope, AddLocation(code="DROP-ACME", name="Acme Footwear (drop-ship)", kind="dropship", priority=90)
    )
    return bins


def _supplier(db: Database, scope: Scope, dropship: list[str]) -> None:
    """Acme Footwear stands behind DROP-ACME and carries the sneakers (costs 18.00 to 22.00 EUR): every
    order booked there goes on its purchase orders."""
    cmd = AddSupplier("ACME", "Acme Footwear", "orders@acme-footwear.example", "DROP-ACME", lead_days=2, cutoff="14:00")
    suppliers.add_supplier(db, scope, cmd)
    for i, sku in enumerate(dropship):
        suppliers.set_supplier_item(db, scope, SetSupplierItem("ACME", sku, f"{18 + i % 5}.00", f"AF-{1000 + i}", 6))


def _dropship_order(db: Database, scope: Scope, dropship: list[str]) -> None:
    """One web order of two sneakers, booked at DROP-ACME now: a purchase order waiting to be mailed."""
    lines = [OrderLineSpec(sku, 1) for sku in dropship[:2]]
    place_order(db, replace(scope, actor="sync:shopify"), PlaceOrder("shopify", "DEMO-DS-1", lines))


CHANNELS = (
    CreateChannel("shopify", "shopify", ["WH-NORTH", "WH-SOUTH", "DROP-ACME"]),
    CreateChannel("amazon", "amazon", ["WH-NORTH"], push="interval", push_interval_s=600),
    CreateChannel("ebay", "ebay", ["WH-SOUTH", "WH-EAST"], inventory_types=["good", "used"]),
    CreateChannel("woocommerce", "woocommerce", ["WH-NORTH", "WH-SOUTH"], allocation="most_available"),
    CreateChannel("pos", "pos", ["WH-NORTH"]),
)


def _channels(db: Database, scope: Scope) -> int:
    for spec in CHANNELS:
        create_channel(db, scope, spec)
    return len(CHANNELS)


def _listings(db: Database, scope: Scope, skus: list[str]) -> None:
    """Every apparel variant on Amazon (seller SKU) and eBay (SKU); a few rules to explain."""
    from truecount.domain.commands import SetRule
    from truecount.services.offers.listings import link_many
    from truecount.services.offers.rules import set_rule

    with db.write() as conn:
        link_many(conn, scope.merchant_id, "amazon", [(sku, {"seller_sku": sku}) for sku in skus])
        link_many(conn, scope.merchant_id, "ebay", [(sku, {"sku": sku}) for sku in skus])
    set_rule(db, scope, "amazon", skus[0], SetRule("reserve", 5))
    set_rule(db, scope, "ebay", skus[1], SetRule("percent", percent=50, cap=20))
    set_rule(db, scope, "amazon", skus[2], SetRule("stop_sell"))


def _month(
    db: Database,
    scope: Scope,
    rng: random.Random,
    skus: list[str],
    lotted: list[str],
    dropship: list[str],
    bins: list[str],
    sales: Sales,
) -> int:
    """Each day: its receipts, moves, counts, returns and feeds from 08:00, then its sales."""
    now = utcnow()
    start = (now - timedelta(days=30)).replace(hour=0, minute=0, second=0, microsecond=0)
    moved = 0
    for day in range(31):
        planned = list(_day_plan(rng, day, start, skus, lotted, dropship, bins))
        when = start + timedelta(days=day, hours=8)
        fed: list[tuple[PostMovement, datetime]] = []
        with db.write() as conn, availability.batched(conn, scope.merchant_id):  # a day's movements: one announcement
            for step, cmd in enumerate(planned):
                when = start + timedelta(days=day, hours=8, seconds=step * 37)
                when = min(when, now - timedelta(seconds=37 * (len(planned) - step)))  # today: never in the future
                if cmd.kind == "feed":  # the supplier's feed: the day's figures at once, at its first one's moment
                    fed.append((cmd, when))
                else:
                    moved += _try(conn, replace(scope, actor=_actor(rng, cmd)), cmd, when)
            moved += _feed(conn, scope.merchant_id, [cmd for cmd, _ in fed], fed[0][1]) if fed else 0
        sales.day(day, start + timedelta(days=day), when)
    return moved


def _feed(conn: Connection, m: int, cmds: list[PostMovement], when: datetime) -> int:
    """A day's supplier feed, recorded set-based as a feed file's figures are (``feed`` lines: figure −
    expected, one moment, the feed as the actor); the variants announced."""
    good = inventory_type_id(conn, m, "good")
    where = {code: location_id(conn, m, code) for code in {cmd.location for cmd in cmds}}
    entries = [
        Entry(
            "feed",
            variant_id(conn, m, c.sku),
            where[c.location],
            good,
            c.quantity,
            c.sku,
            c.location,
            reference=c.reference,
        )
        for c in cmds
    ]
    availability.changed(conn, m, record_many(conn, Meta(m, db_time(when), "feed:acme-footwear"), entries, {}))
    return len(entries)


def _actor(rng: random.Random, cmd: PostMovement) -> str:
    """Who a demo movement is recorded as: the supplier's feed, or a member of staff."""
    return "feed:acme-footwear" if cmd.kind == "feed" else staff(rng)


UNCERTAIN = frozenset({"transfer", "adjust"})  # the kinds that take stock: refused when it can't cover them


def _try(conn: Connection, scope: Scope, cmd: PostMovement, when: datetime) -> int:
    """Record one movement; a demo step the stock can't cover is skipped, as a person would (in a
    savepoint). Receipts, counts, returns and feeds are never refused: they go without one (were one
    refused, the day's transaction fails and the demo with it)."""
    if cmd.kind not in UNCERTAIN:
        record_movement(conn, scope, cmd, at=when)
        return 1
    try:
        with conn.begin_nested():
            record_movement(conn, scope, cmd, at=when)
        return 1
    except TruecountError:
        return 0


def _day_plan(
    rng: random.Random,
    day: int,
    start: datetime,
    skus: list[str],
    lotted: list[str],
    dropship: list[str],
    bins: list[str],
) -> Iterator[PostMovement]:
    if day == 0:
        for sku in skus:
            for where in rng.sample(bins, rng.choice((1, 1, 2))):
                yield PostMovement(
                    "receive", sku, where, rng.randint(4, 60), reference=f"PO-{1000 + rng.randint(1, 40)}"
                )
        for i, sku in enumerate(lotted):
            for batch in range(3):
                expires = (start + timedelta(days=20 + 60 * batch + 30 * i)).date()
                yield PostMovement(
                    "receive",
                    sku,
                    "WH-NORTH-A01",
                    rng.randint(20, 80),
                    lot=f"L{day}{i}{batch}",
                    expires_on=expires,
                    reference="PO-2001",
                )
        yield PostMovement("receive", "SOCK-3PK-M", "WH-NORTH-B01", 12, reference="PO-KIT-1")
    reference = f"DAY-{day:02d}"
    for _ in range(rng.randint(2, 5)):
        yield PostMovement(
            "receive", rng.choice(skus), rng.choice(bins), rng.randint(5, 40), reference=f"PO-{1100 + day}"
        )
    for _ in range(rng.randint(3, 7)):
        source, target = rng.sample([*bins, "SHOP-LDN"], 2)
        yield PostMovement(
            "transfer", rng.choice(skus), source, rng.randint(1, 6), to_location=target, reference=reference
        )
    for _ in range(rng.randint(1, 3)):
        yield PostMovement(
            "adjust", rng.choice(skus), rng.choice(bins), rng.choice((-2, -1, -1, 1)), reason=rng.choice(ADJUST_REASONS)
        )
    if day % 7 == 3:
        for sku in rng.sample(skus, 6):
            yield PostMovement("count", sku, rng.choice(bins), rng.randint(0, 40), reference=f"COUNT-{day:02d}")
    for _ in range(rng.randint(0, 2)):
        kind_of = rng.choice(("good", "good", "damaged"))
        yield PostMovement(
            "return",
            rng.choice(skus),
            rng.choice(bins),
            1,
            inventory_type=kind_of,
            reason="customer return",
            reference=f"RMA-{300 + day}",
        )
    for sku in dropship:
        yield PostMovement(
            "feed", sku, "DROP-ACME", max(0, 25 + rng.randint(-10, 10) - day // 3), reference=f"FEED-{day:02d}"
        )


def _trackers(db: Database, scope: Scope, skus: list[str], lotted: list[str]) -> None:
    """A few trackers of each mechanism, so the trackers page and its alerts have something to show."""
    wanted = [SetTracker(sku, "good", "stock_quantity", {"below": 20}) for sku in skus[:6]]
    wanted += [SetTracker(sku, "good", "stock_quantity", {"below": 30, "expiry_days": 30}) for sku in lotted]
    wanted += [SetTracker(sku, "good", "turnover_days", {"lookback_days": 30, "coverage_days": 14}) for sku in skus[:2]]
    wanted += [SetTracker(sku, "good", "stalled_days", {"lookback_days": 14, "quantity": 5}) for sku in skus[6:8]]
    for cmd in wanted:
        set_tracker(db, scope, cmd)


def summary_text(summary: DemoSummary) -> str:
    return (
        f"demo loaded: {summary.variants} variants, {summary.locations} locations, "
        f"{summary.channels} channels, {summary.movements} movements over 30 days"
    )
