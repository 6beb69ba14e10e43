"""``truecount trackers set|list|delete`` through Typer's runner, on both backends."""

from __future__ import annotations

import json
import uuid

from sqlalchemy import select
from typer.testing import CliRunner

from tests import factories as f
from tests.api_factories import merchant_code
from truecount.adapters.db.engine import Database
from truecount.adapters.db.tables.accounts import users
from truecount.domain.accounts import Principal
from truecount.entrypoints.cli.main import app
from truecount.services.accounts import merchant_access
from truecount.services.accounts import users as accounts
from truecount.services.catalog.records import ensure_merchant
from truecount.services.common.scope import Scope
from truecount.services.trackers.watch import list_trackers

runner = CliRunner()


def cli(db: Database, scope: Scope, *args: str) -> tuple[int, str, str]:
    result = runner.invoke(app, ["--db", db.url, "--merchant", merchant_code(db, scope), *args], env={"COLUMNS": "200"})
    return result.exit_code, result.stdout, result.stderr


def test_set_creates_then_updates_the_same_key_and_list_shows_it(db: Database, scope: Scope) -> None:
    f.location(db, scope, "WH1")
    f.variant(db, scope, "TEE")
    f.receive(db, scope, "TEE", 3, "WH1")
    code, out, _ = cli(db, scope, "trackers", "set", "TEE", "--mechanism", "stock_quantity", "--below", "10")
    assert code == 0, out
    assert "stock_quantity tracker for TEE (good) created: current 3, threshold 10, health 30.0%" in out
    code, out, _ = cli(db, scope, "trackers", "set", "TEE", "--mechanism", "stock_quantity", "--below", "2")
    assert code == 0 and "updated" in out and "health 150.0%" in out
    code, out, _ = cli(db, scope, "trackers", "list", "--json")
    assert code == 0
    (row,) = json.loads(out)
    assert row | {"reason": None} == {
        "sku": "TEE",
        "inventory_type": "good",
        "mechanism": "stock_quantity",
        "params": {"below": 2},
        "current": 3,
        "threshold": 2.0,
        "health": 150.0,
        "reason": None,
        "alert": False,
    }


def test_the_table_lists_lowest_health_first_with_reasons(db: Database, scope: Scope) -> None:
    f.location(db, scope, "WH1")
    f.variant(db, scope, "TEE")
    f.receive(db, scope, "TEE", 30, "WH1")
    cli(db, scope, "trackers", "set", "TEE", "--mechanism", "stock_quantity", "--below", "10")
    args = ("--mechanism", "turnover_days", "--lookback-days", "30", "--coverage-days", "7")
    cli(db, scope, "trackers", "set", "TEE", *args)
    code, out, _ = cli(db, scope, "trackers", "list")
    assert code == 0
    assert out.index("turnover_days") < out.index("stock_quantity")
    assert "no sales in the last 30 days" in out
    assert "1 of 2 below 100%" in out


def test_mechanism_params_given_to_another_mechanism_are_refused_and_nothing_is_saved(
    db: Database, scope: Scope
) -> None:
    f.location(db, scope, "WH1")
    f.variant(db, scope, "TEE")
    args = ("--mechanism", "turnover_days", "--lookback-days", "30", "--coverage-days", "7", "--below", "5")
    code, _, err = cli(db, scope, "trackers", "set", "TEE", *args)
    assert code == 1
    assert "params.below: belongs to stock_quantity, not to turnover_days" in err
    code, _, err = cli(db, scope, "trackers", "set", "TEE", "--mechanism", "stalled_days", "--lookback-days", "0")
    assert code == 1 and "params.lookback_days" in err
    code, _, err = cli(db, scope, "trackers", "set", "NOPE", "--mechanism", "stock_quantity", "--below", "5")
    assert code == 1 and "no variant with SKU or barcode 'NOPE'" in err
    assert list_trackers(db, scope) == []


def test_delete_removes_the_tracker_and_refuses_an_unknown_one(db: Database, scope: Scope) -> None:
    f.location(db, scope, "WH1")
    f.variant(db, scope, "TEE")
    cli(db, scope, "trackers", "set", "TEE", "--type", "damaged", "--mechanism", "stock_quantity", "--below", "1")
    code, out, _ = cli(db, scope, "trackers", "delete", "TEE", "--type", "damaged", "--mechanism", "stock_quantity")
    assert code == 0 and "deleted" in out
    assert list_trackers(db, scope) == []
    code, _, err = cli(db, scope, "trackers", "delete", "TEE", "--type", "damaged", "--mechanism", "stock_quantity")
    assert code == 1 and "not_found" in err


def test_access_grant_lets_a_user_of_another_merchant_act_for_this_one(db: Database, scope: Scope) -> None:
    with db.write() as conn:
        third_party = Scope(ensure_merchant(conn, f"3pl-{uuid.uuid4().hex[:8]}", "The 3PL"), "test")
    accounts.add_user(db, third_party, "ops", "staff", "password-1")
    args = ("access", "grant", "ops", "--user-merchant", merchant_code(db, third_party))
    code, out, _ = cli(db, scope, *args)
    assert code == 0 and "granted" in out
    with db.read() as conn:
        user_id = conn.execute(select(users.c.id).where(users.c.merchant_id == third_party.merchant_id)).scalar_one()
    ops = Principal(int(user_id), third_party.merchant_id, "ops", "staff", "session")
    assert [c.code for c in merchant_access.merchants_for(db, ops)] == [
        merchant_code(db, third_party),
        merchant_code(db, scope),
    ]
    code, _, err = cli(db, scope, "access", "grant", "nobody", "--user-merchant", merchant_code(db, third_party))
    assert code == 1 and "no user 'nobody'" in err
    code, out, _ = cli(db, scope, "access", "revoke", "ops", "--user-merchant", merchant_code(db, third_party))
    assert code == 0
    assert [c.code for c in merchant_access.merchants_for(db, ops)] == [merchant_code(db, third_party)]
