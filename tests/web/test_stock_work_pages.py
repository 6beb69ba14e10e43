"""The stock work and stocktake pages over real storage: refusals in words with what was typed kept,
reasons from a list, a blind count's page for staff and for an admin."""

from __future__ import annotations

import re

from fastapi import FastAPI

from tests import factories as f
from tests.api_factories import signed_in
from truecount.adapters.db.engine import Database
from truecount.domain.stocktake import CountLine, StartStocktake
from truecount.services.common.scope import Scope
from truecount.services.stock import levels as stock_service
from truecount.services.stock.stocktakes import record_counts, start_stocktake


def test_an_adjustment_takes_its_reason_from_the_list_and_a_take_at_a_parent_names_the_bins(
    api_app: FastAPI, db: Database, scope: Scope
) -> None:
    f.location(db, scope, "WH-SOUTH")
    f.location(db, scope, "WH-SOUTH-A", parent="WH-SOUTH")
    f.variant(db, scope, "TEE")
    f.receive(db, scope, "TEE", 7, "WH-SOUTH-A")
    client, csrf = signed_in(api_app, db, scope, "staff")
    form = {"csrf_token": csrf, "sku": "TEE", "quantity": "2", "direction": "remove", "inventory_type": "good"}
    at_parent = client.post("/work/adjust", data={**form, "location": "WH-SOUTH", "reason": "damaged"})
    assert at_parent.status_code == 409 and "TEE is in its bins: WH-SOUTH-A (7 available)" in at_parent.text
    assert 'value="TEE"' in at_parent.text  # what was typed stays
    other = client.post("/work/adjust", data={**form, "location": "WH-SOUTH-A", "reason": "other"})
    assert other.status_code == 422 and "other_reason: is required" in other.text
    done = client.post(
        "/work/adjust", data={**form, "location": "WH-SOUTH-A", "reason": "other", "other_reason": "mice"}
    )
    assert done.status_code == 303 and "adjusted+-2" in done.headers["location"]
    (last,) = stock_service.history(db, scope, "TEE")[:1]
    assert (last.on_hand_delta, last.reason, last.actor.startswith("user:")) == (-2, "mice", True)


def test_a_blind_stocktake_page_hides_expected_figures_from_staff_and_shows_them_to_an_admin(
    api_app: FastAPI, db: Database, scope: Scope
) -> None:
    f.location(db, scope, "WH1")
    f.variant(db, scope, "TEE")
    f.receive(db, scope, "TEE", 6, "WH1")
    sid = start_stocktake(db, scope, StartStocktake("WH1", blind=True)).id
    record_counts(db, scope, sid, [CountLine("TEE", 4)])
    staff, _ = signed_in(api_app, db, scope, "staff")
    counter = staff.get(f"/stocktakes/{sid}").text
    assert 'class="n expected"' not in counter and "an admin reviews the variance" in counter
    assert 'id="st-approve"' not in counter
    admin, _ = signed_in(api_app, db, scope, "admin")
    manager = admin.get(f"/stocktakes/{sid}").text
    assert re.search(r'<td class="n expected">6</td>', manager) and 'id="st-approve"' in manager
    assert re.search(r'<td class="n variance variance-minus">-2</td>', manager)
