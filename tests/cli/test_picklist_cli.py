"""``truecount picklist``: a pick list of what an order and a work order booked at a location, by
bin with lots, printed, as JSON and as a PDF; refusals name the option — on SQLite and PostgreSQL."""

from __future__ import annotations

import json
from pathlib import Path

from tests.cli.conftest import Cli


def test_a_pick_list_is_made_shown_and_written_as_a_pdf(cli: Cli, tmp_path: Path) -> None:
    for args in (
        ("location", "add", "WH1"),
        ("location", "add", "WH1-A", "--parent", "WH1"),
        ("product", "add", "Box", "--sku", "BOX"),
        ("product", "add", "Card", "--sku", "CARD"),
        ("product", "add", "Gift kit", "--sku", "KIT"),
        ("channel", "add", "web", "--kind", "manual", "--locations", "WH1"),
        ("receive", "BOX", "10", "--at", "WH1-A", "--lot", "L1", "--expires", "2030-01-31"),
        ("receive", "CARD", "10", "--at", "WH1"),
        ("bom", "set", "KIT", "--components", "BOX:2,CARD:1", "--mode", "ahead"),
    ):
        done = cli(*args)
        assert done.exit_code == 0, (args, done.output)
    order = json.loads(cli("order", "create", "--channel", "web", "--external", "1001", "BOX:1", "--json").stdout)
    wo = json.loads(cli("workorder", "create", "KIT", "2", "--at", "WH1", "--json").stdout)["id"]
    assert cli("workorder", "release", str(wo)).exit_code == 0
    pdf = tmp_path / "picks.pdf"
    made = cli("picklist", "--orders", str(order["id"]), "--workorders", str(wo), "--at", "WH1", "--pdf", str(pdf))
    assert made.exit_code == 0, made.output
    assert "pick list" in made.stdout and "L1" in made.stdout and f"work order {wo}" in made.stdout
    picks_id = made.stdout.split()[2]
    shown = json.loads(cli("picklist", "--show", picks_id, "--json").stdout)
    assert [(x["place"], x["sku"], x["lot"], x["quantity"], x["order"], x["work_order"]) for x in shown["lines"]] == [
        ("WH1", "CARD", "", 2, None, wo),  # the location's own shelf first, then its bins
        ("WH1-A", "BOX", "L1", 1, order["id"], None),
        ("WH1-A", "BOX", "L1", 4, None, wo),
    ]
    content = pdf.read_bytes()
    assert content.startswith(b"%PDF") and b"(L1)" in content and f"(work order {wo})".encode() in content
    nothing = cli("picklist", "--at", "WH1")
    assert nothing.exit_code == 1 and "orders" in nothing.output
    bad = cli("picklist", "--orders", "one", "--at", "WH1", "--pdf", str(tmp_path / "none.pdf"))
    assert bad.exit_code == 1 and "orders" in bad.output
    assert not (tmp_path / "none.pdf").exists()
