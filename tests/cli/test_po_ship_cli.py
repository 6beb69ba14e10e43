"""``truecount po ship ID --tracking T --carrier C [--line SKU:QTY]…`` and ``po ship --csv FILE`` on
both backends: shipments ship the customer's order lines, refusals name the field and change nothing,
and the supplier's reliability counts what shipped."""

from __future__ import annotations

import json
import mailbox
import uuid
from email.message import EmailMessage
from pathlib import Path

import pytest

from tests.cli.conftest import Cli
from tests.smtp_server import smtp_server
from truecount.settings import get_settings


def set_up(cli: Cli, monkeypatch: pytest.MonkeyPatch) -> int:
    """ACME behind DS-ACME, order W1 (SNK:3, HAT:1) at ACME; its purchase order sent. Returns its id."""
    for args in (
        ("location", "add", "DS-ACME", "--kind", "dropship"),
        ("product", "add", "Sneaker", "--sku", "SNK"),
        ("product", "add", "Hat", "--sku", "HAT"),
        ("supplier", "add", "ACME", "--name", "Acme Ltd", "--email", "po@acme.example", "--location", "DS-ACME",
         "--lead-days", "3"),
        ("feed", "SNK", "20", "--at", "DS-ACME"),
        ("feed", "HAT", "20", "--at", "DS-ACME"),
        ("channel", "add", "web", "--kind", "manual", "--locations", "DS-ACME"),
        ("order", "create", "SNK:3", "HAT:1", "--channel", "web", "--external", "W1"),
    ):  # fmt: skip
        done = cli(*args)
        assert done.exit_code == 0, (args, done.output)
    (po,) = json.loads(cli("po", "list", "--json").stdout)
    with smtp_server() as (_inbox, mailer):
        monkeypatch.setenv("TRUECOUNT_SMTP_HOST", mailer.host)
        monkeypatch.setenv("TRUECOUNT_SMTP_PORT", str(mailer.port))
        get_settings.cache_clear()
        try:
            assert cli("po", "send", str(po["id"])).exit_code == 0
        finally:
            get_settings.cache_clear()
    return int(po["id"])


def test_po_ship_ships_lines_then_the_rest_and_the_supplier_counts_it_shipped(
    cli: Cli, monkeypatch: pytest.MonkeyPatch
) -> None:
    po_id = set_up(cli, monkeypatch)
    part = cli("po", "ship", str(po_id), "--tracking", "1Z999", "--carrier", "UPS", "--line", "SNK:2")
    assert part.exit_code == 0, part.output
    assert "1Z999: shipped; 2 unit(s) shipped in all, now shipped" in part.stdout
    again = cli("po", "ship", str(po_id), "--tracking", "1Z999", "--carrier", "UPS", "--line", "SNK:2")
    assert again.exit_code == 0 and "already recorded" in again.stdout
    order = json.loads(cli("order", "list", "--json").stdout)[0]
    assert [(x["sku"], x["fulfilled"]) for x in order["lines"]] == [("SNK", 2), ("HAT", 0)]
    rest = cli("po", "ship", str(po_id), "--tracking", "1Z1000", "--carrier", "UPS", "--json")
    assert rest.exit_code == 0, rest.output
    closed = json.loads(rest.stdout)["purchase_order"]
    assert closed["state"] == "closed" and [x["shipped"] for x in closed["lines"]] == [3, 1]
    shown = cli("po", "show", str(po_id))
    assert "shipment UPS 1Z999" in shown.stdout and "shipment UPS 1Z1000" in shown.stdout
    figures = json.loads(cli("supplier", "show", "ACME", "--json").stdout)["reliability"]
    assert (figures["sent"], figures["shipped"], figures["on_time_percent"]) == (1, 1, 100.0)
    assert "100.0% of 1 shipped on time" in cli("supplier", "show", "ACME").stdout
    listed = cli("supplier", "list").stdout
    assert "1/1" in listed and "100.0%" in listed


def test_po_ship_refusals_name_the_field_and_ship_nothing(cli: Cli, monkeypatch: pytest.MonkeyPatch) -> None:
    po_id = set_up(cli, monkeypatch)
    for args, field in (
        (("--tracking", "", "--carrier", "UPS"), "tracking"),
        (("--tracking", "1Z1", "--carrier", "UPS", "--line", "SNK:9"), "lines[0].quantity"),
        (("--tracking", "1Z1", "--carrier", "UPS", "--line", "CAP:1"), "lines[0].sku"),
        (("--tracking", "1Z1", "--carrier", "UPS", "--line", "SNK"), "lines[0]"),
        (("--tracking", "1Z1"), "carrier"),
    ):
        refused = cli("po", "ship", str(po_id), *args)
        assert refused.exit_code == 1 and field in refused.output, (args, refused.output)
    (po,) = json.loads(cli("po", "list", "--json").stdout)
    assert (po["state"], [x["shipped"] for x in po["lines"]], po["shipments"]) == ("sent", [0, 0], [])
    assert cli("po", "cancel", str(po_id)).exit_code == 0
    late = cli("po", "ship", str(po_id), "--tracking", "1Z1", "--carrier", "UPS")
    assert late.exit_code == 1 and "is cancelled" in late.output


def test_po_ship_csv_is_all_or_nothing_naming_row_and_column(
    cli: Cli, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    po_id = set_up(cli, monkeypatch)
    number = f"PO-{po_id:06d}"
    bad = tmp_path / "bad.csv"
    bad.write_text(
        f"po_number,sku,quantity,carrier,tracking\n{number},SNK,2,UPS,1Z5\n{number},HAT,7,UPS,1Z5\n", encoding="utf-8"
    )
    refused = cli("po", "ship", "--csv", str(bad))
    assert refused.exit_code == 1 and "row 3, column quantity" in refused.output, refused.output
    assert json.loads(cli("po", "list", "--json").stdout)[0]["shipments"] == []
    good = tmp_path / "good.csv"
    good.write_text(
        f"po_number,sku,quantity,carrier,tracking\n{number},SNK,2,UPS,1Z5\n{number},HAT,1,UPS,1Z5\n"
        f"{number},SNK,1,DHL,JD7\n",
        encoding="utf-8",
    )
    done = cli("po", "ship", "--csv", str(good), "--json")
    assert done.exit_code == 0, done.output
    shipped = json.loads(done.stdout)
    assert shipped["rows"] == 3 and [s["shipment"]["tracking"] for s in shipped["shipments"]] == ["1Z5", "JD7"]
    assert shipped["shipments"][-1]["purchase_order"]["state"] == "closed"
    both = cli("po", "ship", str(po_id), "--csv", str(good))
    assert both.exit_code == 1 and "csv" in both.output


def test_po_inbox_reads_a_maildir_once(cli: Cli, monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    po_id = set_up(cli, monkeypatch)
    number = f"PO-{po_id:06d}"
    box = mailbox.Maildir(str(tmp_path / "inbox"), create=True)
    for text in ("Carrier: UPS\nTracking: 1Z77\nLine: SNK x 1\n", "Nice weather today."):
        reply = EmailMessage()
        reply["Subject"], reply["Message-ID"] = f"Re: Purchase order {number}", f"<{uuid.uuid4().hex}@acme.example>"
        reply.set_content(text)
        box.add(reply)
    done = cli("po", "inbox", str(tmp_path / "inbox"), "--json")
    assert done.exit_code == 0, done.output
    report = json.loads(done.stdout)
    assert sorted(e["outcome"] for e in report["entries"]) == ["shipped", "unread"]
    assert json.loads(cli("po", "list", "--json").stdout)[0]["lines"][0]["shipped"] == 1
    again = cli("po", "inbox", str(tmp_path / "inbox"))
    assert again.exit_code == 0 and "2 read before" in again.stdout
    nowhere = cli("po", "inbox", str(tmp_path / "nowhere"))
    assert nowhere.exit_code == 1 and "path" in nowhere.output
