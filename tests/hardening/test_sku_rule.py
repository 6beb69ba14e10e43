"""One SKU rule at creation (no ``/ ? # % \\``, whitespace or control characters, 1-128 characters) in
the API, the CLI and product imports; a SKU stored before the rule keeps working, percent-encoded."""

from __future__ import annotations

from pathlib import Path

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import update

from tests import factories as f
from tests import offer_factories as of
from tests.api_factories import assert_error, signed_in
from tests.cli.conftest import Cli
from truecount.adapters.db.engine import Database
from truecount.adapters.db.tables.catalog import variants
from truecount.domain.skus import sku_problem
from truecount.services.common.scope import Scope

BAD = {
    "slash": ("TEE/BL/M", "'/'"),
    "question mark": ("TEE?M", "'?'"),
    "hash": ("TEE#M", "'#'"),
    "percent": ("TEE%2FM", "'%'"),
    "backslash": ("TEE\\M", "'\\\\'"),
    "space": ("TEE M", "whitespace"),
    "tab": ("TEE\tM", "whitespace"),
    "no-break space": ("TEE\u00a0M", "whitespace"),
    "control character": ("TEE\x07M", "control characters"),
    "zero-width space": ("TEE\u200bM", "control characters"),
    "empty": ("", "required"),
    "too long": ("X" * 129, "longer than 128"),
}


@pytest.mark.parametrize("case", sorted(BAD))
def test_the_rule_names_what_is_wrong_with_a_new_sku(case: str) -> None:
    sku, reason = BAD[case]
    problem = sku_problem(sku)
    assert problem is not None and reason in problem, problem


@pytest.mark.parametrize("sku", ["TEE-BL-M", "tee_bl.m", "A:1+2~3@4", "CAFÉ-Ü", "X" * 128, "5012345678900"])
def test_ordinary_skus_pass_the_rule(sku: str) -> None:
    assert sku_problem(sku) is None


@pytest.mark.parametrize("case", sorted(BAD))
def test_the_api_refuses_a_product_whose_sku_breaks_the_rule_and_writes_nothing(api: TestClient, case: str) -> None:
    sku, _ = BAD[case]
    answer = api.post("/api/v1/products", json={"name": "Tee", "variants": [{"sku": "TEE-OK"}, {"sku": sku}]})
    error = assert_error(answer, 422, "invalid_input", "variants[1].sku")
    assert "sku" in error["message"]
    assert api.get("/api/v1/variants", params={"q": "TEE"}).json() == []


def test_a_bundle_whose_own_sku_breaks_the_rule_is_refused(api: TestClient, db: Database, scope: Scope) -> None:
    f.variant(db, scope, "BOTTLE")
    body = {"name": "Pack", "variants": [{"sku": "PACK/10", "components": [{"sku": "BOTTLE", "quantity": 10}]}]}
    error = assert_error(api.post("/api/v1/products", json=body), 422, "invalid_input", "variants[0].sku")
    assert "'/'" in error["message"]


def _legacy(db: Database, scope: Scope, sku: str) -> str:
    """A variant whose SKU was stored before the rule existed (an older version accepted it)."""
    f.variant(db, scope, "LEGACY-TMP")
    with db.write() as conn:
        conn.execute(
            update(variants)
            .where(variants.c.merchant_id == scope.merchant_id, variants.c.sku == "LEGACY-TMP")
            .values(sku=sku)
        )
    return sku


def test_a_sku_stored_before_the_rule_still_answers_percent_encoded_on_every_path(
    api: TestClient, api_app: FastAPI, db: Database, scope: Scope
) -> None:
    f.location(db, scope, "WH1")
    of.channel(db, scope, "web", ["WH1"])
    sku = _legacy(db, scope, "TEE/BL/M")
    f.receive(db, scope, sku, 5, "WH1")
    encoded = "TEE%2FBL%2FM"
    assert api.get(f"/api/v1/variants/{encoded}").json()["sku"] == sku
    history = api.get(f"/api/v1/stock/{encoded}/history")
    assert history.status_code == 200 and [row["kind"] for row in history.json()] == ["receive"]
    assert api.put(f"/api/v1/channels/web/rules/{encoded}", json={"kind": "reserve", "quantity": 2}).status_code == 200
    offered = api.get("/api/v1/channels/web/quantities", params={"sku": sku}).json()
    assert [row["quantity"] for row in offered] == [3]
    assert api.delete(f"/api/v1/channels/web/rules/{encoded}").status_code in (200, 204)
    order = api.post(
        "/api/v1/orders", json={"channel": "web", "external_id": "o1", "lines": [{"sku": sku, "quantity": 1}]}
    )
    assert order.status_code == 201, order.text
    bundle = {"name": "Twin", "variants": [{"sku": "TWIN", "components": [{"sku": sku, "quantity": 2}]}]}
    assert api.post("/api/v1/products", json=bundle).status_code == 201  # a stored SKU is a valid component
    page, _csrf = signed_in(api_app, db, scope, "staff")
    assert page.get(f"/variants/{encoded}").status_code == 200
    label = page.get(f"/labels/variants/{encoded}.svg")
    assert label.status_code == 200 and label.headers["content-type"].startswith("image/svg")


@pytest.mark.parametrize("sku", ["TEE?M", "TEE#M", "TEE%M", "TEE M"])
def test_other_stored_skus_answer_percent_encoded(api: TestClient, db: Database, scope: Scope, sku: str) -> None:
    from urllib.parse import quote

    _legacy(db, scope, sku)
    answer = api.get(f"/api/v1/variants/{quote(sku, safe='')}")
    assert answer.status_code == 200 and answer.json()["sku"] == sku


def test_the_cli_refuses_a_bad_sku_for_a_product_and_for_a_variant(cli: Cli) -> None:
    refused = cli("product", "add", "Tee", "--sku", "TEE/BL/M")
    assert refused.exit_code != 0
    assert "sku" in refused.output and "'/'" in refused.output
    assert cli("product", "add", "Tee", "--sku", "TEE-BL-M").exit_code == 0
    refused = cli("variant", "add", "TEE-BL-M", "--sku", "TEE BL L")
    assert refused.exit_code != 0
    assert "sku" in refused.output and "whitespace" in refused.output
    assert "TEE BL L" not in cli("product", "show", "TEE-BL-M").output


def test_a_products_import_with_a_bad_sku_names_row_and_column_and_writes_nothing(cli: Cli, tmp_path: Path) -> None:
    path = tmp_path / "products.csv"
    path.write_text("product,sku\nTee,TEE-S\nTee,TEE#M\nMug,MUG-1\n", encoding="utf-8")
    refused = cli("import", "products", str(path))
    assert refused.exit_code != 0
    assert "row 3, column sku" in refused.output and "'#'" in refused.output
    assert "TEE-S" not in cli("product", "list").output


def test_the_set_up_pages_refuse_a_bad_sku_naming_the_field_and_write_nothing(
    api_app: FastAPI, db: Database, scope: Scope
) -> None:
    from truecount.services.catalog import products

    client, csrf = signed_in(api_app, db, scope, "admin")
    refused = client.post(
        "/setup/products",
        data={"csrf_token": csrf, "name": "Tee", "sku": ["TEE#M"], "options": [""], "barcodes": [""],
              "components": [""]},
    )  # fmt: skip
    assert refused.status_code == 422
    assert "variants[0].sku" in refused.text and "must not contain" in refused.text
    assert products.list_products(db, scope) == []
    f.variant(db, scope, "TEE-S")
    number = products.list_products(db, scope)[0].id
    refused = client.post(
        f"/setup/products/{number}/variants",
        data={"csrf_token": csrf, "sku": "TEE L", "options": "", "barcodes": "", "components": ""},
    )
    assert refused.status_code == 422 and "whitespace" in refused.text
    assert [v.sku for v in products.show_product(db, scope, "TEE-S").variants] == ["TEE-S"]
