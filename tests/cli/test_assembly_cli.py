"""``truecount variant set``, ``bom`` and ``workorder``: a raw material, a kit's bill, a work order
from draft to done, and refusals naming the field — on SQLite and PostgreSQL."""

from __future__ import annotations

import json
from pathlib import Path

from tests.cli.conftest import Cli


def setup_kits(cli: Cli) -> None:
    for args in (
        ("location", "add", "WH1"),
        ("product", "add", "Box", "--sku", "BOX"),
        ("product", "add", "Card", "--sku", "CARD"),
        ("product", "add", "Gift kit", "--sku", "KIT"),
        ("channel", "add", "web", "--kind", "manual", "--locations", "WH1"),
        ("receive", "BOX", "10", "--at", "WH1", "--lot", "L1", "--expires", "2030-01-31"),
        ("receive", "CARD", "10", "--at", "WH1"),
    ):
        done = cli(*args)
        assert done.exit_code == 0, (args, done.output)


def offered(cli: Cli, sku: str) -> int:
    rows = json.loads(cli("offers", "web", sku, "--json").stdout)
    return int(rows[0]["quantity"])


def test_a_raw_material_is_offered_nothing_and_cannot_be_listed(cli: Cli) -> None:
    setup_kits(cli)
    assert offered(cli, "BOX") == 10
    done = cli("variant", "set", "BOX", "--not-for-sale")
    assert done.exit_code == 0, done.output
    assert offered(cli, "BOX") == 0
    refused = cli("listing", "add", "web", "BOX", "web-box")
    assert refused.exit_code == 1 and "not for sale" in refused.output and "sku" in refused.output
    shown = json.loads(cli("product", "show", "BOX", "--json").stdout)
    assert shown["variants"][0]["for_sale"] is False
    assert cli("variant", "set", "BOX").exit_code == 1  # neither flag given: refused, not a silent no-op
    assert cli("variant", "set", "BOX", "--for-sale").exit_code == 0
    assert offered(cli, "BOX") == 10


def test_a_kit_is_built_by_a_work_order_from_draft_to_done(cli: Cli) -> None:
    setup_kits(cli)
    bom = cli("bom", "set", "KIT", "--components", "BOX:2,CARD:1", "--mode", "ahead")
    assert bom.exit_code == 0 and "KIT (ahead): BOX × 2, CARD × 1" in bom.stdout, bom.output
    assert json.loads(cli("bom", "show", "KIT", "--json").stdout)["mode"] == "ahead"
    created = json.loads(cli("workorder", "create", "KIT", "4", "--at", "WH1", "--json").stdout)
    wo = str(created["id"])
    assert created["status"] == "draft"
    released = cli("workorder", "release", wo)
    assert released.exit_code == 0 and "released" in released.stdout
    assert offered(cli, "BOX") == 2  # 8 of 10 are booked by the work order
    partial = json.loads(cli("workorder", "complete", wo, "--quantity", "1", "--json").stdout)
    assert (partial["status"], partial["produced"]) == ("in_progress", 1)
    no_reason = cli("workorder", "complete", wo, "--quantity", "0", "--scrap", "1")
    assert no_reason.exit_code == 1 and "reason" in no_reason.output
    done = json.loads(cli("workorder", "complete", wo, "--scrap", "1", "--reason", "torn", "--json").stdout)
    assert (done["status"], done["produced"], done["scrapped"]) == ("done", 3, 1)
    assert offered(cli, "KIT") == 3
    listed = cli("workorder", "list")
    assert listed.exit_code == 0 and "done" in listed.stdout
    history = json.loads(cli("history", "KIT", "--json").stdout)
    lot = f"WO{wo}-20300131"  # expires with the BOX lot it was made from
    assert [(h["kind"], h["on_hand_delta"], h["lot"], h["reference"]) for h in history] == [
        ("produce", 2, lot, f"workorder:{wo}"),  # newest first
        ("produce", 1, lot, f"workorder:{wo}"),
    ]
    assert cli("verify").exit_code == 0


def test_bad_bills_and_work_orders_are_refused_naming_the_field(cli: Cli) -> None:
    setup_kits(cli)
    unknown = cli("bom", "set", "KIT", "--components", "BOX:2,NOPE:1")
    assert unknown.exit_code == 1 and "components[1].sku" in unknown.output
    bad_mode = cli("bom", "set", "KIT", "--components", "BOX:2", "--mode", "later")
    assert bad_mode.exit_code == 1 and "mode" in bad_mode.output
    assert cli("bom", "set", "KIT", "--components", "BOX:2", "--mode", "ahead").exit_code == 0
    assert cli("bom", "set", "CARD", "--components", "KIT:1", "--mode", "ahead").exit_code == 0
    cycle = cli("bom", "set", "KIT", "--components", "CARD:1", "--mode", "ahead")
    assert cycle.exit_code == 1 and "KIT → CARD → KIT" in cycle.output
    not_ahead = cli("bom", "set", "KIT", "--components", "BOX:2", "--mode", "both", "--build-to-order-at", "WH1")
    assert not_ahead.exit_code == 1 and "build_to_order_at" in not_ahead.output
    to_order = cli("bom", "set", "KIT", "--components", "BOX:2", "--mode", "ahead", "--build-to-order-at", "WH1")
    assert to_order.exit_code == 0 and "built to order at WH1" in to_order.stdout
    virtual = cli("workorder", "create", "BOX", "1", "--at", "WH1")
    assert virtual.exit_code == 1 and "bill of materials" in virtual.output
    short = cli("workorder", "create", "KIT", "6", "--at", "WH1", "--json")
    wo = str(json.loads(short.stdout)["id"])
    refused = cli("workorder", "release", wo)
    assert refused.exit_code == 1 and "BOX (missing 2)" in refused.output
    cancelled = cli("workorder", "cancel", wo)
    assert cancelled.exit_code == 0 and "cancelled" in cancelled.stdout


def test_kits_and_raw_materials_export_and_import_into_an_empty_merchant_unchanged(
    cli: Cli, other_cli: Cli, tmp_path: Path
) -> None:
    setup_kits(cli)
    assert cli("bom", "set", "KIT", "--components", "BOX:2,CARD:1", "--mode", "ahead").exit_code == 0
    assert cli("variant", "set", "BOX", "--not-for-sale").exit_code == 0
    products = tmp_path / "products.csv"
    assert cli("export", "products", str(products)).exit_code == 0
    text = products.read_text(encoding="utf-8")
    assert text.splitlines()[0].endswith(",components,for_sale,mode")
    assert "Gift kit,KIT,,,true,false,,BOX:2;CARD:1,true,ahead" in text
    imported = other_cli("import", "products", str(products))
    assert imported.exit_code == 0, imported.output
    assert other_cli("export", "products").stdout == text
    assert json.loads(other_cli("bom", "show", "KIT", "--json").stdout)["mode"] == "ahead"
    again = other_cli("import", "products", str(products), "--update")
    assert again.exit_code == 0, again.output  # the same file changes nothing
    products.write_text(text.replace(",ahead", ",both"), encoding="utf-8")
    refused = other_cli("import", "products", str(products), "--update")
    assert refused.exit_code == 1 and "column mode" in refused.output


def test_a_unit_cost_is_set_and_a_work_order_shows_what_a_kit_cost(cli: Cli) -> None:
    setup_kits(cli)
    assert cli("bom", "set", "KIT", "--components", "BOX:2,CARD:1", "--mode", "ahead").exit_code == 0
    done = cli("variant", "set", "BOX", "--cost", "1.25")
    assert done.exit_code == 0 and "BOX: unit cost 1.25" in done.stdout, done.output
    for bad in ("-1", "1.23456", "cheap"):
        refused = cli("variant", "set", "BOX", "--cost", bad, "--not-for-sale")
        assert refused.exit_code == 1 and "unit_cost" in refused.output, refused.output
    shown = json.loads(cli("product", "show", "BOX", "--json").stdout)["variants"][0]
    assert (shown["unit_cost"], shown["for_sale"]) == ("1.25", True)  # nothing written by the refusals
    wo = str(json.loads(cli("workorder", "create", "KIT", "2", "--at", "WH1", "--json").stdout)["id"])
    assert cli("workorder", "release", wo).exit_code == 0
    assert cli("workorder", "complete", wo, "--quantity", "1").exit_code == 0
    assert "cost: unknown: CARD has no cost" in cli("workorder", "show", wo).stdout
    assert cli("variant", "set", "CARD", "--cost", "0.5").exit_code == 0
    wo = str(json.loads(cli("workorder", "create", "KIT", "2", "--at", "WH1", "--json").stdout)["id"])
    assert cli("workorder", "release", wo).exit_code == 0
    assert cli("workorder", "complete", wo, "--quantity", "2").exit_code == 0
    assert "cost: consumed 6.00, a kit 3.00" in cli("workorder", "show", wo).stdout
