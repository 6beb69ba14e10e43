"""``truecount``: the root command, global options and the command groups.

The commands live in modules (``stock_cmd``, ``orders_cmd``…) that import the services they need.
A command's module is imported only when that command runs (or shows its own ``--help``):
``truecount --help`` lists every command from :data:`COMMANDS` without importing one, so it
answers at once. ``tests/cli/test_lazy_cli.py`` checks :data:`COMMANDS` against what the modules
register, help text included: add a command to its module's ``register`` and to the table.
"""

from __future__ import annotations

import gc
import importlib
from typing import Any

import typer
from typer.core import TyperArgument, TyperCommand, TyperGroup, TyperOption

from .common import STATE, console, fit_output_to_destination, translate_errors

CATALOG = ("catalog", "catalog_edit_cmd")  # catalog_edit_cmd adds commands to catalog's groups

#: Every command (but ``init``, defined here) in the order ``--help`` lists them: its module(s),
#: whose ``register(app)`` adds it, and the first paragraph of its help.
COMMANDS: dict[str, tuple[tuple[str, ...], str]] = {
    "product": (CATALOG, "Products and their variants."),
    "location": (CATALOG, "Warehouses, bins, shops, drop-shippers."),
    "type": (CATALOG, "Inventory types (conditions of stock)."),
    "variant": (CATALOG, "Variants of an existing product."),
    "merchant": (CATALOG, "Merchants (tenants) of this database."),
    "receive": (("stock_cmd",), "Receive goods into a location (a goods-received note)."),
    "adjust": (("stock_cmd",), "Adjust stock up or down with a reason (takes only available stock)."),
    "count": (("stock_cmd",), "Record a stocktake: the delta is counted − expected."),
    "transfer": (("stock_cmd",), "Move available stock between locations (out and in, one transaction)."),
    "return": (
        ("stock_cmd",),
        "Put returned units back into stock, as good or another type (a return not tied to an order).",
    ),
    "feed": (
        ("feeds_cmd",),
        "Supplier feeds on a schedule (add, run, list, show); feed SKU QUANTITY --at LOC records one figure.",
    ),
    "stock": (("stock_read_cmd",), "Show on hand, booked and available per location and type."),
    "history": (("stock_read_cmd",), "The movements behind a SKU's count, newest first."),
    "verify": (
        ("stock_cmd",),
        "Recompute every level from the ledger and look for rows naming a missing catalogue row, order or\n"
        "line; exit 1 naming each difference and orphan.",
    ),
    "stocktake": (("stocktake_cmd",), "Stocktakes: count a location and its bins, then approve."),
    "bom": (("assembly_cmd",), "Bills of materials: a kit's components and how it is sold."),
    "workorder": (("assembly_cmd",), "Work orders: build kits at a location (release books the components)."),
    "picklist": (
        ("picklist_cmd",),
        "Make a pick list: what the orders and work orders booked at a location, by bin, with lots.",
    ),
    "import": (("io_cmd",), "Import CSV files: all or nothing; errors name the row and column."),
    "export": (("io_cmd",), "Export CSV files in the formats `import` reads."),
    "demo": (
        ("demo_cmd",),
        "Load a demo shop (runs init first): apparel, warehouses with bins, a shop, channels, a month of movements.",
    ),
    "incidents": (("orders_cmd",), "Oversell incidents, newest first."),
    "order": (("orders_cmd",), "Orders: book, fulfil, cancel, return."),
    "users": (("accounts_cmd",), "Users who sign in to the pages (and own API tokens)."),
    "tokens": (("accounts_cmd",), "Bearer tokens for the HTTP API."),
    "serve": (("serve_cmd",), "Bring the schema up to date, then serve the dashboard and the API."),
    "emulate": (("sync_cmd",), "Run the channel emulators on loopback ports until interrupted (Ctrl-C)."),
    "worker": (
        ("sync_cmd",),
        "Run the sync worker: push queued quantities, poll channel orders, until SIGINT/SIGTERM.",
    ),
    "reconcile": (
        ("sync_cmd",),
        "Read back every listing's quantity from the channel, report drift (channel ≠ last pushed) and heal it.",
    ),
    "sync": (("sync_cmd",), "Channel sync: status of every channel's pushes."),
    "trackers": (
        ("trackers_cmd",),
        "Stock health trackers: what needs replenishing (stock_quantity, turnover_days, stalled_days).",
    ),
    "access": (
        ("access_cmd",),
        "Let a user of another merchant (e.g. your 3PL) act for this merchant (--merchant).",
    ),
    "substitute": (("substitute_cmd",), "Substitutes: what may ship when a variant runs short."),
    "supplier": (("supplier_cmd",), "Drop-ship suppliers and the items they carry at a cost."),
    "po": (
        ("po_cmd",),
        "Drop-ship purchase orders: list, show (PDF), send, acknowledge, cancel, ship (tracking), inbox.",
    ),
    "channel": (("channels_cmd",), "Sales channels: kind, feeding locations, inventory types, push policy."),
    "offers": (("offers_cmd",), "What CHANNEL is offered for each variant, and why."),
    "listing": (
        ("listings_cmd",),
        "Listings: a variant's references on a channel, each with its units per sale, quantity rule and price.",
    ),
    "rule": (("offers_cmd",), "One channel's quantity rule for one variant."),
    "rules": (("offers_cmd",), "A channel's rules in bulk, by spreadsheet (CSV or XLSX)."),
}


def plain_value(param: TyperArgument | TyperOption, ctx: Any, value: Any) -> tuple[bool, Any]:
    """(True, the value) when Typer's conversion would hand ``value`` on as it is: a word from the
    command line for a ``str`` parameter, or no value for one not required; (False, None): let
    Typer convert it.

    Typer converts every value through a pydantic ``TypeAdapter`` built on first use, for a ``str``
    or an absent option too (it returns ``str(value)`` and ``None``): importing pydantic and
    building the adapters was about a fifth of ``truecount stock SKU``'s CPU. Other types and a
    missing required value still go through Typer, with its checks and messages.
    """
    if (value is None and not param.required) or (isinstance(value, str) and param.type_descriptor.annotation is str):
        return True, value if param.callback is None else param.callback(ctx, param, value)
    return False, None


class PlainArgument(TyperArgument):
    """A single-valued argument read by :func:`plain_value`."""

    def process_value(self, ctx: Any, value: Any) -> Any:
        done, plain = plain_value(self, ctx, value)
        return plain if done else super().process_value(ctx, value)


class PlainOption(TyperOption):
    """A single-valued option read by :func:`plain_value`."""

    def process_value(self, ctx: Any, value: Any) -> Any:
        done, plain = plain_value(self, ctx, value)
        return plain if done else super().process_value(ctx, value)


class PlainCommand(TyperCommand):
    """A command whose ``--help`` option is read by :func:`plain_value` too."""

    def get_help_option(self, ctx: Any) -> Any:
        return plain(super().get_help_option(ctx))


class PlainGroup(TyperGroup):
    """A group of commands whose ``--help`` option is read by :func:`plain_value` too."""

    def get_help_option(self, ctx: Any) -> Any:
        return plain(super().get_help_option(ctx))


PLAIN: dict[type, type] = {
    TyperArgument: PlainArgument,
    TyperOption: PlainOption,
    TyperCommand: PlainCommand,
    TyperGroup: PlainGroup,
}


def plain(param: Any) -> Any:
    """``param`` read by :func:`plain_value` when it is one of Typer's single-valued parameters."""
    plain_class = PLAIN.get(type(param))
    if plain_class and param.nargs == 1 and not param.multiple:
        param.__class__ = plain_class
    return param


def read_plainly(command: Any) -> Any:
    """``command`` (Typer's, as built) with its single-valued parameters, its help option and its
    subcommands' read by :func:`plain_value`."""
    if type(command) in PLAIN:
        command.__class__ = PLAIN[type(command)]
    for param in command.params:
        plain(param)
    for sub in getattr(command, "commands", {}).values():
        read_plainly(sub)
    return command


def load(modules: tuple[str, ...]) -> TyperGroup:
    """The commands ``modules`` register, as one click group (importing the modules now)."""
    group = typer.Typer()
    for name in modules:
        importlib.import_module(f"{__package__}.{name}").register(group)
    loaded = read_plainly(typer.main.get_group(group))
    assert isinstance(loaded, TyperGroup)
    return loaded


class LazyGroup(TyperGroup):
    """The root group: commands from :data:`COMMANDS` are imported when resolved, listed from the table."""

    listing = False  # True while the root help is drawn: list the table, import nothing

    def parse_args(self, ctx: Any, args: list[str]) -> list[str]:
        read_plainly(self)  # here: Typer adds its completion options after building the group
        return super().parse_args(ctx, args)

    def get_help_option(self, ctx: Any) -> Any:
        return plain(super().get_help_option(ctx))

    def list_commands(self, ctx: Any) -> list[str]:
        return [*super().list_commands(ctx), *COMMANDS]

    def get_command(self, ctx: Any, cmd_name: str) -> Any:
        found = super().get_command(ctx, cmd_name)
        if found is not None or cmd_name not in COMMANDS:
            return found
        modules, help_text = COMMANDS[cmd_name]
        if self.listing:
            return TyperCommand(cmd_name, help=help_text)
        return load(modules).get_command(ctx, cmd_name)

    def format_help(self, ctx: Any, formatter: Any) -> None:
        self.listing = True
        try:
            super().format_help(ctx, formatter)
        finally:
            self.listing = False


app = typer.Typer(
    name="truecount",
    cls=LazyGroup,
    help="truecount — one trustworthy stock count per variant, location and condition, netted from a ledger.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
)


@app.callback()
def root(
    db: str | None = typer.Option(
        None, "--db", help="Database URL (default: TRUECOUNT_DATABASE_URL or sqlite:///truecount.db)."
    ),
    merchant: str | None = typer.Option(
        None, "--merchant", help="Merchant code to act for (default: TRUECOUNT_MERCHANT or 'default')."
    ),
) -> None:
    if not gc.isenabled():  # paused by main() while starting: the command's modules are imported now
        gc.freeze()
        gc.enable()
    STATE.use(db, merchant)
    fit_output_to_destination()


@app.command()
@translate_errors
def init() -> None:
    """Create or upgrade the database schema and the default merchant."""
    from truecount.entrypoints.secret_key import stored_key
    from truecount.services.bootstrap import init_database
    from truecount.settings import DEFAULT_SECRET_KEY, get_settings

    init_database(STATE.db(), STATE.merchant or "default")
    console.print(f"database ready: {STATE.url}")
    settings = get_settings()
    if settings.secret_key == DEFAULT_SECRET_KEY and stored_key(settings.secret_key_file):
        console.print(f"secret key: {settings.secret_key_file} (random, mode 0600; `serve` signs sessions with it)")


def main() -> None:
    """The ``truecount`` script. Start-up builds tens of thousands of objects that live until the
    process ends (modules, classes, SQLAlchemy's tables and constructs), and Python's cyclic collector
    walked them again and again, and once more at exit, freeing nothing: about a tenth of
    ``truecount stock SKU``'s CPU. So the collector is paused while the command line is read and the
    command's modules are imported; :func:`root` then freezes what start-up built (never walked
    again; reference counting still frees it) and starts the collector again before any command
    runs (a server or the worker then settles as usual, :mod:`truecount.entrypoints.process`)."""
    gc.disable()
    app()
