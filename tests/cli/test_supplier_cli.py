"""``truecount supplier add|list|show|item`` on both backends."""

from __future__ import annotations

import json

from tests.cli.conftest import Cli


def set_up(cli: Cli) -> None:
    for args in (
        ("location", "add", "DS-ACME", "--kind", "dropship"),
        ("location", "add", "WH1"),
        ("product", "add", "Sneaker", "--sku", "SNK"),
    ):
        assert cli(*args).exit_code == 0


def test_a_supplier_is_added_given_items_and_listed(cli: Cli) -> None:
    set_up(cli)
    added = cli("supplier", "add", "ACME", "--name", "Acme Ltd", "--email", "po@acme.example",
                "--location", "DS-ACME", "--lead-days", "2", "--cutoff", "15:30")  # fmt: skip
    assert added.exit_code == 0, added.output
    assert "added supplier ACME (Acme Ltd) behind DS-ACME" in added.stdout
    item = cli(
        "supplier", "item", "SNK", "--supplier", "ACME", "--cost", "12.5", "--supplier-sku", "AC-9", "--case", "6"
    )
    assert item.exit_code == 0, item.output
    assert "added SNK at ACME: 12.50 EUR (case of 6)" in item.stdout
    listed = json.loads(cli("supplier", "list", "--json").stdout)
    assert listed == [{"code": "ACME", "name": "Acme Ltd", "email": "po@acme.example", "currency": "EUR",
                       "location": "DS-ACME", "lead_days": 2, "cutoff": "15:30", "items": None,
                       "send": "now"}]  # fmt: skip
    shown = json.loads(cli("supplier", "show", "ACME", "--json").stdout)
    assert shown["items"] == [
        {"sku": "SNK", "supplier_sku": "AC-9", "cost": "12.50", "currency": "EUR", "case": 6, "discontinued": False}
    ]
    assert "ACME" in cli("supplier", "list").stdout


def test_a_supplier_behind_a_warehouse_or_with_a_bad_cost_is_refused_naming_the_field(cli: Cli) -> None:
    set_up(cli)
    refused = cli("supplier", "add", "ACME", "--name", "Acme", "--email", "po@acme.example", "--location", "WH1")
    assert refused.exit_code == 1 and "location" in refused.output and "dropship" in refused.output
    late = cli("supplier", "add", "ACME", "--name", "Acme", "--email", "po@acme.example", "--location", "DS-ACME",
               "--cutoff", "24:10")  # fmt: skip
    assert late.exit_code == 1 and "cutoff" in late.output
    assert json.loads(cli("supplier", "list", "--json").stdout) == []
    assert (
        cli("supplier", "add", "ACME", "--name", "Acme", "--email", "a@b.example", "--location", "DS-ACME").exit_code
        == 0
    )
    bad = cli("supplier", "item", "SNK", "--supplier", "ACME", "--cost", "12,50")
    assert bad.exit_code == 1 and "cost" in bad.output
    assert json.loads(cli("supplier", "show", "ACME", "--json").stdout)["items"] == []


def test_a_variant_gets_a_supplier_choice_rule_of_its_own_and_loses_it(cli: Cli) -> None:
    set_up(cli)
    saved = cli("supplier", "choice", "SNK", "fastest")
    assert saved.exit_code == 0, saved.output
    assert "SNK: suppliers chosen by fastest on every channel" in saved.stdout
    assert json.loads(cli("supplier", "choice", "SNK", "reliable", "--json").stdout)["rule"] == "reliable"
    cleared = cli("supplier", "choice", "SNK", "--clear")
    assert cleared.exit_code == 0 and "no rule of its own" in cleared.stdout
    bad = cli("supplier", "choice", "SNK", "quickest")
    assert bad.exit_code == 1 and "rule" in bad.output and "own_first" in bad.output
    both = cli("supplier", "choice", "SNK", "fastest", "--clear")
    assert both.exit_code == 2 and "--clear" in both.output
