"""``truecount substitute add|list|remove`` on both backends."""

from __future__ import annotations

import json

from tests.cli.conftest import Cli


def set_up(cli: Cli) -> None:
    for args in (
        ("location", "add", "WH1"),
        ("channel", "add", "web", "--kind", "manual", "--locations", "WH1"),
        ("channel", "add", "pos", "--kind", "manual", "--locations", "WH1"),
        ("product", "add", "Tee", "--sku", "TEE"),
        ("product", "add", "Navy tee", "--sku", "TEE-NAVY"),
        ("product", "add", "Tee two-pack", "--sku", "TEE-2PK"),
    ):
        assert cli(*args).exit_code == 0, args


def test_substitutes_are_added_listed_in_order_and_removed(cli: Cli) -> None:
    set_up(cli)
    added = cli("substitute", "add", "TEE", "--with", "TEE-NAVY", "--channels", "web,pos", "--notify")
    assert added.exit_code == 0, added.output
    assert "TEE-NAVY" in added.stdout and "web,pos" in added.stdout
    assert cli("substitute", "add", "TEE", "--with", "TEE-2PK", "--ratio", "2").exit_code == 0
    listed = json.loads(cli("substitute", "list", "TEE", "--json").stdout)
    assert listed["substitutes"] == [
        {"position": 1, "sku": "TEE-NAVY", "ratio": 1, "channels": ["web", "pos"], "notify": True},
        {"position": 2, "sku": "TEE-2PK", "ratio": 2, "channels": None, "notify": False},
    ]
    assert "all" in cli("substitute", "list", "TEE").stdout
    assert cli("substitute", "remove", "TEE", "--with", "TEE-NAVY").exit_code == 0
    assert [s["sku"] for s in json.loads(cli("substitute", "list", "TEE", "--json").stdout)["substitutes"]] == [
        "TEE-2PK"
    ]


def test_bad_substitutes_are_refused_naming_the_field(cli: Cli) -> None:
    set_up(cli)
    for args, named in (
        (("TEE", "--with", "TEE"), "substitute"),
        (("TEE", "--with", "NOPE"), "substitute"),
        (("NOPE", "--with", "TEE"), "sku"),
        (("TEE", "--with", "TEE-NAVY", "--ratio", "0"), "ratio"),
        (("TEE", "--with", "TEE-NAVY", "--channels", "web,nope"), "channels[1]"),
    ):
        refused = cli("substitute", "add", *args)
        assert refused.exit_code == 1 and named in refused.output, (args, refused.output)
    assert json.loads(cli("substitute", "list", "TEE", "--json").stdout)["substitutes"] == []


def test_an_order_shipping_a_substitute_says_so_and_a_strict_one_takes_it_only_when_told(cli: Cli) -> None:
    set_up(cli)
    assert cli("receive", "TEE-NAVY", "5", "--at", "WH1").exit_code == 0
    assert cli("substitute", "add", "TEE", "--with", "TEE-NAVY", "--notify").exit_code == 0
    placed = cli("order", "create", "--channel", "web", "--external", "w-1", "TEE:2")
    assert placed.exit_code == 0, placed.output
    assert "line 1: ships 2 × TEE-NAVY for 2 × TEE (tell the customer)" in placed.stdout
    assert "TEE had 0 free of 2 on web" in placed.stdout
    refused = cli("order", "create", "--channel", "web", "--external", "s-1", "TEE:1", "--strict")
    assert refused.exit_code == 1 and "insufficient_stock" in refused.output
    told = cli("order", "create", "--channel", "web", "--external", "s-2", "TEE:1", "--strict", "--substitutes",
               "--json")  # fmt: skip
    assert told.exit_code == 0, told.output
    assert json.loads(told.stdout)["lines"][0]["substitute"]["sku"] == "TEE-NAVY"
    declined = cli("order", "create", "--channel", "web", "--external", "w-2", "TEE:1", "--no-substitutes", "--json")
    line = json.loads(declined.stdout)["lines"][0]
    assert line["substitute"] is None and line["backorder"]["open"] == 1
    (first,) = [o for o in json.loads(cli("order", "list", "--json").stdout) if o["external_id"] == "w-1"]
    shown = cli("order", "show", str(first["id"]))
    assert "ships 2 × TEE-NAVY" in shown.stdout
