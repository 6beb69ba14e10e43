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
