"""Set-up: channels (``/setup/channels``): add one; on its page change what feeds it (locations in
order, types), how it allocates and pushes; connect it; link listings; set one listing's rule or
the same rule for a selection. Admins change; everyone signed in may look."""

from __future__ import annotations

from dataclasses import asdict
from decimal import Decimal
from typing import Annotated, Any

from fastapi import APIRouter, Form, Query, Request
from fastapi.responses import HTMLResponse, Response

from truecount.domain.accounts import Principal, role_allows
from truecount.domain.commands import CreateChannel, EditChannel, SetRule
from truecount.domain.errors import InvalidInput, TruecountError
from truecount.domain.offers import rule_text
from truecount.entrypoints.api.deps import CurrentUser, DbDep, RequireRole, ScopeDep
from truecount.services.catalog import browse
from truecount.services.channels import setup as channel_setup
from truecount.services.channels.config import configure_channel
from truecount.services.channels.views import channel_view, channel_views
from truecount.services.offers import listings, rules
from truecount.services.offers.channel_sources import edit_channel
from truecount.services.sync.check import ChannelCheck, check_channel
from truecount.services.sync.status import sync_status

from .. import setup_forms as forms
from ..render import render

router = APIRouter(include_in_schema=False)
Text = Annotated[str, Form(max_length=2000)]
Texts = Annotated[list[str], Form()]
RULE_KINDS = [
    ("", "default: offer the pool"),
    ("reserve", "reserve N (keep N back)"),
    ("cap", "cap M (never more than M)"),
    ("percent", "percent of the pool or a location"),
    ("fixed", "fixed N"),
    ("prebook", "prebook P (take pre-orders)"),
    ("stop_sell", "stop selling"),
]
CONNECT_KEYS = {  # the settings each kind is connected with (docs/sync.md, "Connecting a real shop")
    "shopify": ("base_url", "access_token", "client_id", "client_secret", "location_id", "webhook_secret"),
    "amazon": ("base_url", "lwa_client_id", "lwa_client_secret", "refresh_token", "seller_id", "marketplace_id"),
    "ebay": ("base_url", "client_id", "client_secret", "refresh_token"),
    "woocommerce": ("base_url", "consumer_key", "consumer_secret", "webhook_secret"),
}


def _admin(user: Principal) -> bool:
    return role_allows(user.role, "admin")


def _choices(db: Any, scope: Any) -> dict[str, Any]:
    return {
        "all_locations": browse.list_locations(db, scope),
        "all_types": browse.list_inventory_types(db, scope),
        "kinds": list(channel_setup.KINDS),
        "allocations": list(channel_setup.ALLOCATIONS),
        "pushes": list(channel_setup.PUSH_POLICIES),
    }


@router.get("/setup/channels", response_class=HTMLResponse)
def channels_page(
    request: Request, user: CurrentUser, db: DbDep, scope: ScopeDep, saved: Annotated[str, Query(max_length=300)] = ""
) -> HTMLResponse:
    return _list(request, user, db, scope, {}, saved=saved)


def _list(
    request: Request, user: Principal, db: Any, scope: Any, form: dict[str, Any], *, saved: str = "", status: int = 200
) -> HTMLResponse:
    states = {s.channel: s for s in sync_status(db, scope)}
    return render(
        request, "setup/channels.html", user, status=status, saved=saved, form=form, links=forms.SETUP_LINKS,
        channels=channel_views(db, scope), states=states, can_edit=_admin(user), **_choices(db, scope),
    )  # fmt: skip


def _ordered(location: list[str], position: list[str], feeds: list[str]) -> list[str]:
    """The ticked locations in the order their numbers give (then as listed)."""
    ticked = set(feeds)
    numbered = [
        (forms.whole(p, f"order of {code}", 1000 + i), i, code)
        for i, (code, p) in enumerate(zip(location, (position + [""] * len(location))[: len(location)], strict=True))
        if code in ticked
    ]
    return [code for _, _, code in sorted(numbered)]


@router.post("/setup/channels", dependencies=[RequireRole("admin")])
def create_channel(
    request: Request,
    user: CurrentUser,
    db: DbDep,
    scope: ScopeDep,
    code: Text = "",
    kind: Text = "",
    location: Texts = [],  # noqa: B006 (FastAPI reads a form list this way)
    position: Texts = [],  # noqa: B006
    feeds: Texts = [],  # noqa: B006
    inventory_types: Texts = [],  # noqa: B006
    allocation: Text = "priority",
    push: Text = "immediate",
) -> Response:
    try:
        cmd = CreateChannel(
            code=code.strip(),
            kind=kind,
            locations=_ordered(location, position, feeds),
            inventory_types=inventory_types or None,
            allocation=allocation,
            push=push,
        )
        channel_setup.create_channel(db, scope, cmd)
    except TruecountError as refused:
        form = {"error": str(refused), "error_field": refused.field, "code": code, "kind": kind}
        return _list(request, user, db, scope, form, status=422)
    return forms.saved(f"/setup/channels/{cmd.code}", f"channel {cmd.code} added")


@router.get("/setup/channels/{code}", response_class=HTMLResponse)
def channel_page(
    request: Request,
    user: CurrentUser,
    db: DbDep,
    scope: ScopeDep,
    code: str,
    saved: Annotated[str, Query(max_length=600)] = "",
) -> HTMLResponse:
    return _channel(request, user, db, scope, code, {}, saved=saved)


def _channel(
    request: Request, user: Principal, db: Any, scope: Any, code: str, form: dict[str, Any], *, saved: str = "",
    status: int = 200, check: ChannelCheck | None = None,
) -> HTMLResponse:  # fmt: skip
    view = channel_view(db, scope, code)
    current = {r.sku: r for r in rules.rules_of(db, scope, code)}
    linked = [
        {**asdict(row), "rule": rule_text(_rule_dict(current.get(row.sku)))}
        for row in listings.list_listings(db, scope, code)
    ]
    state = next((s for s in sync_status(db, scope) if s.channel == code), None)
    return render(
        request, "setup/channel.html", user, status=status, saved=saved, form=form, links=forms.SETUP_LINKS,
        channel=view, listings=linked, state=state, rule_kinds=RULE_KINDS, check=check,
        connect_keys=CONNECT_KEYS.get(view.kind, ()), can_edit=_admin(user), **_choices(db, scope),
    )  # fmt: skip


def _rule_dict(row: rules.RuleRow | None) -> dict[str, Any] | None:
    if row is None or not row.kind:
        return None
    found = {k: v for k, v in asdict(row).items() if k != "sku" and v is not None}
    if isinstance(found.get("percent"), Decimal):
        found["percent"] = float(found["percent"])
    return found


@router.post("/setup/channels/{code}", dependencies=[RequireRole("admin")])
def change_channel(
    request: Request,
    user: CurrentUser,
    db: DbDep,
    scope: ScopeDep,
    code: str,
    location: Texts = [],  # noqa: B006
    position: Texts = [],  # noqa: B006
    feeds: Texts = [],  # noqa: B006
    inventory_types: Texts = [],  # noqa: B006
    allocation: Text = "priority",
    push: Text = "immediate",
    push_interval_s: Text = "600",
    always_in_stock: Text = "100",
) -> Response:
    try:
        cmd = EditChannel(
            code=code,
            locations=_ordered(location, position, feeds),
            inventory_types=inventory_types,
            allocation=allocation,
            push=push,
            push_interval_s=float(forms.whole(push_interval_s, "push_interval_s")),
            always_in_stock=forms.whole(always_in_stock, "always_in_stock"),
        )
        done = edit_channel(db, scope, cmd)
    except TruecountError as refused:
        return _channel(request, user, db, scope, code, _error("settings", refused), status=422)
    return forms.saved(f"/setup/channels/{code}", f"settings saved; {done.listings_changed} listing(s) changed")


def _error(where: str, refused: TruecountError) -> dict[str, Any]:
    return {"where": where, "error": str(refused), "error_field": refused.field}


@router.post("/setup/channels/{code}/connect", dependencies=[RequireRole("admin")])
def connect(
    request: Request,
    user: CurrentUser,
    db: DbDep,
    scope: ScopeDep,
    code: str,
    key: Texts = [],  # noqa: B006
    value: Texts = [],  # noqa: B006
    disconnect: Text = "",
) -> Response:
    """Settings typed as KEY / VALUE pairs; an empty value leaves a setting as it is (secrets are
    shown masked, so they are only ever typed anew); ``disconnect`` removes the base_url."""
    changes: dict[str, Any] = {"base_url": None} if disconnect else {}
    for name, text in zip(key, (value + [""] * len(key))[: len(key)], strict=True):
        name, text = name.strip(), text.strip()
        if name and text and text != "****":
            changes[name] = float(text) if name.endswith("_s") and _number(text) else text
    try:
        shown = configure_channel(db, scope, code, changes)
    except TruecountError as refused:
        return _channel(request, user, db, scope, code, _error("connect", refused), status=422)
    state = "connected" if shown.connected else "not connected"
    return forms.saved(f"/setup/channels/{code}", f"connection saved: {state}")


@router.post("/setup/channels/{code}/check", dependencies=[RequireRole("admin")])
def check(request: Request, user: CurrentUser, db: DbDep, scope: ScopeDep, code: str) -> Response:
    """Call the channel with the stored settings and show, in words, what works and what to fix
    (the same check as ``truecount channel check`` and ``POST /api/v1/channels/{code}/check``)."""
    try:
        found = check_channel(db, scope, code)
    except TruecountError as refused:
        return _channel(request, user, db, scope, code, _error("check", refused), status=422)
    return _channel(request, user, db, scope, code, {}, check=found)


def _number(text: str) -> bool:
    try:
        float(text)
    except ValueError:
        return False
    return True


@router.post("/setup/channels/{code}/listings", dependencies=[RequireRole("admin")])
def link(
    request: Request, user: CurrentUser, db: DbDep, scope: ScopeDep, code: str, sku: Text = "", ref: Text = ""
) -> Response:
    try:
        row = listings.add_listing(db, scope, code, sku.strip(), ref.strip())
    except TruecountError as refused:
        return _channel(request, user, db, scope, code, _error("listing", refused), status=422)
    return forms.saved(f"/setup/channels/{code}", f"{row.sku} listed as {row.external_ref}: offered {row.quantity}")


@router.post("/setup/channels/{code}/rules", dependencies=[RequireRole("admin")])
def set_rules(
    request: Request,
    user: CurrentUser,
    db: DbDep,
    scope: ScopeDep,
    code: str,
    sku: Texts = [],  # noqa: B006
    kind: Text = "",
    quantity: Text = "",
    percent: Text = "",
    location: Text = "",
    reserve: Text = "",
    cap: Text = "",
) -> Response:
    try:
        cmd = None
        if kind:
            cmd = SetRule(
                kind=kind,
                quantity=forms.whole(quantity, "quantity") if quantity.strip() else None,
                percent=percent.strip() or None,
                location=location.strip() or None,
                reserve=forms.whole(reserve, "reserve") if reserve.strip() else None,
                cap=forms.whole(cap, "cap") if cap.strip() else None,
            )
        if not sku:
            raise InvalidInput("tick at least one listing", field="skus")
        done = rules.set_rules(db, scope, code, sku, cmd)
    except TruecountError as refused:
        return _channel(request, user, db, scope, code, _error("rules", refused), status=422)
    what = "rule cleared" if cmd is None else f"rule {rule_text(_plain(cmd))} set"
    return forms.saved(
        f"/setup/channels/{code}", f"{what} for {done.skus} SKU(s); {done.listings_changed} listing(s) changed"
    )


def _plain(cmd: SetRule) -> dict[str, Any]:
    found = {k: v for k, v in vars(cmd).items() if v is not None}
    if "percent" in found:
        found["percent"] = float(found["percent"])
    return found
