"""``truecount listing add|list|show|rule``: several listings of one variant as a person types them."""

from __future__ import annotations

import json

from tests.cli.conftest import Cli


def ok(cli: Cli, *args: str) -> str:
    result = cli(*args)
    assert result.exit_code == 0, result.output
    return result.stdout


def test_two_listings_of_a_variant_with_their_own_rule_and_units_per_sale(cli: Cli) -> None:
    ok(cli, "location", "add", "WH1")
    ok(cli, "location", "add", "DS1", "--kind", "dropship")
    ok(cli, "product", "add", "Tee", "--sku", "TEE")
    ok(cli, "receive", "TEE", "40", "--at", "WH1")
    ok(cli, "receive", "TEE", "50", "--at", "DS1")
    ok(cli, "channel", "add", "amz", "--kind", "amazon", "--locations", "WH1,DS1")
    assert "offered 90" in ok(cli, "listing", "add", "amz", "TEE", "--ref", "TEE-A")
    assert "(6 units per sale): offered 15" in ok(
        cli, "listing", "add", "amz", "TEE", "--ref", "TEE-6", "--units-per-sale", "6"
    )
    shown = ok(cli, "listing", "rule", "amz", "TEE-A", "percent=30@DS1", "reserve=5", "cap=20")
    assert "30% of available at DS1 (50): 90 → 15" in shown
    assert "minus reserve 5, not below 0: 15 → 10" in shown
    rows = json.loads(ok(cli, "listing", "list", "amz", "--json"))
    assert [(r["external_ref"], r["units_per_sale"], r["steps"], r["quantity"]) for r in rows] == [
        ("TEE-6", 6, None, 15),
        ("TEE-A", 1, ["percent=30@DS1", "reserve=5", "cap=20"], 10),
    ]
    assert "offered 15" in ok(cli, "listing", "show", "amz", "TEE-6")
    shown = ok(cli, "listing", "price", "amz", "TEE-6", "fixed=54.00", "tier=20:+5%")
    assert "fewer than 20 offered (15): +5%: 54.00 → 56.70" in shown and "price 56.70" in shown
    refused = cli("listing", "price", "amz", "TEE-6", "cost+x%")
    assert refused.exit_code == 1 and "price.cost_plus_percent" in refused.stderr


def test_refusals_name_the_field_exit_1_and_write_nothing(cli: Cli) -> None:
    ok(cli, "location", "add", "WH1")
    ok(cli, "product", "add", "Tee", "--sku", "TEE")
    ok(cli, "channel", "add", "amz", "--kind", "amazon", "--locations", "WH1")
    ok(cli, "listing", "add", "amz", "TEE", "--ref", "TEE-A")
    refused = cli("listing", "rule", "amz", "TEE-A", "cap=5", "percent=abc")
    assert refused.exit_code == 1 and "steps[1].value" in refused.stderr
    refused = cli("listing", "add", "amz", "TEE", "--ref", "TEE-B", "--units-per-sale", "0")
    assert refused.exit_code == 1 and "units_per_sale" in refused.stderr
    refused = cli("listing", "show", "amz", "NOPE")
    assert refused.exit_code == 1 and "ref" in refused.stderr
    rows = json.loads(ok(cli, "listing", "list", "amz", "--json"))
    assert [(r["external_ref"], r["steps"]) for r in rows] == [("TEE-A", None)]
