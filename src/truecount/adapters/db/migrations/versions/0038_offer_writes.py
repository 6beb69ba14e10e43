"""offers and push_queue: no foreign keys (verify audits them instead), room on each page for HOT updates

A full recompute inserts an offer and a queued push per listing: their six foreign keys were six
per-row referential checks (``SELECT 1 … FOR KEY SHARE`` on PostgreSQL), two thirds of the server's
time in those inserts (100,000 listings). Listings, channels and variants are never deleted, and
every id written is read from the listing first; verify's orphan audit (``services.stock.orphans``)
stands in for them, as for the keys 0008, 0009 and 0026 dropped.

A movement rewrites the offer and the queued push of every listing it reaches. With full pages
(PostgreSQL's default fill factor, 100) each new row version went to another page: a new entry
in every index, and without vacuum the tables grew by a copy of the rows at each change (804
listings a movement: a tenth of the pages after 30 movements). Half-full pages (``fillfactor``
50, PostgreSQL only; pages written from now on) keep the new version on its page (a HOT update:
no index entry; the page's dead versions are pruned when it fills).

Revision ID: 0038
Revises: 0037
"""

from alembic import op

revision = "0038"
down_revision = "0037"
branch_labels = None
depends_on = None

#: table → the (column, referred table) pairs whose foreign key this revision drops.
DROPPED: dict[str, tuple[tuple[str, str], ...]] = {
    "offers": (
        ("merchant_id", "merchants"),
        ("channel_id", "channels"),
        ("variant_id", "variants"),
        ("listing_id", "listings"),
    ),
    "push_queue": (("merchant_id", "merchants"), ("channel_id", "channels")),
}
FILLFACTOR = 50  # per cent of each page filled by inserts: the rest is for the next versions of its rows


def _name(table: str, column: str, target: str) -> str:
    return f"fk_{table}_{column}_{target}"


def upgrade() -> None:
    # batch: SQLite cannot drop a constraint in place, so the table is rebuilt (migrate.py turns
    # SQLite's foreign key enforcement off around it); PostgreSQL gets plain ALTER TABLE statements.
    for table, keys in DROPPED.items():
        with op.batch_alter_table(table) as batch:
            for column, target in keys:
                batch.drop_constraint(op.f(_name(table, column, target)), type_="foreignkey")
    if op.get_bind().dialect.name == "postgresql":
        for table in DROPPED:
            op.execute(f"ALTER TABLE {table} SET (fillfactor = {FILLFACTOR})")


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        for table in DROPPED:
            op.execute(f"ALTER TABLE {table} RESET (fillfactor)")
    for table, keys in DROPPED.items():
        with op.batch_alter_table(table) as batch:
            for column, target in keys:
                batch.create_foreign_key(op.f(_name(table, column, target)), target, [column], ["id"])
