"""``truecount po list|show|ack|cancel`` and ``supplier add --send`` on both backends."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.cli.conftest import Cli
from tests.smtp_server import smtp_server
from truecount.settings import get_settings


def set_up(cli: Cli, send: str = "now") -> None:
    for args in (
        ("location", "add", "DS-ACME", "--kind", "dropship"),
        ("product", "add", "Sneaker", "--sku", "SNK"),
        ("supplier", "add", "ACME", "--name", "Acme Ltd", "--email", "po@acme.example", "--location", "DS-ACME",
         "--send", send),
        ("supplier", "item", "SNK", "--supplier", "ACME", "--cost", "12.5"),
        ("feed", "SNK", "20", "--at", "DS-ACME"),
        ("channel", "add", "web", "--kind", "manual", "--locations", "DS-ACME"),
        ("order", "create", "SNK:2", "--channel", "web", "--external", "W1"),
    ):  # fmt: skip
        done = cli(*args)
        assert done.exit_code == 0, (args, done.output)


def test_purchase_orders_are_listed_shown_written_as_pdf_and_csv_and_cancelled(cli: Cli, tmp_path: Path) -> None:
    set_up(cli, send="17:00")
    (po,) = json.loads(cli("po", "list", "--supplier", "ACME", "--json").stdout)
    assert (po["state"], po["total"], po["lines"][0]["quantity"]) == ("draft", "25.00", 2)
    pdf, lines = tmp_path / "po.pdf", tmp_path / "po.csv"
    shown = cli("po", "show", str(po["id"]), "--pdf", str(pdf), "--csv", str(lines))
    assert shown.exit_code == 0 and po["number"] in shown.stdout and "SNK" in shown.stdout
    assert pdf.read_bytes().startswith(b"%PDF-") and po["number"].encode() in pdf.read_bytes()
    assert lines.read_text().splitlines()[1] == f"{po['number']},ACME,web/W1,1,SNK,,2,12.50,EUR"
    assert json.loads(cli("supplier", "show", "ACME", "--json").stdout)["send"] == "17:00"
    early = cli("po", "ack", str(po["id"]))
    assert early.exit_code == 1 and "state" in early.output and "is draft" in early.output
    assert "cancelled" in cli("po", "cancel", str(po["id"])).stdout
    assert json.loads(cli("po", "list", "--state", "draft", "--json").stdout) == []
    bad = cli("po", "list", "--state", "lost")
    assert bad.exit_code == 1 and "state" in bad.output


def test_a_bad_send_schedule_is_refused_naming_send(cli: Cli) -> None:
    assert cli("location", "add", "DS-ACME", "--kind", "dropship").exit_code == 0
    bad = cli("supplier", "add", "ACME", "--name", "A", "--email", "a@b.example", "--location", "DS-ACME",
              "--send", "sometimes")  # fmt: skip
    assert bad.exit_code == 1 and "send" in bad.output
    assert json.loads(cli("supplier", "list", "--json").stdout) == []


def test_po_send_mails_the_draft_through_the_smtp_server_the_settings_name(
    cli: Cli, monkeypatch: pytest.MonkeyPatch
) -> None:
    set_up(cli)
    (po,) = json.loads(cli("po", "list", "--json").stdout)
    with smtp_server() as (inbox, mailer):
        monkeypatch.setenv("TRUECOUNT_SMTP_HOST", mailer.host)
        monkeypatch.setenv("TRUECOUNT_SMTP_PORT", str(mailer.port))
        get_settings.cache_clear()
        try:
            sent = cli("po", "send", str(po["id"]))
            again = cli("po", "send", str(po["id"]))
        finally:
            get_settings.cache_clear()
    assert sent.exit_code == 0, sent.output
    assert f"{po['number']} to ACME" in sent.stdout and ": sent" in sent.stdout
    assert [m["To"] for m in inbox.messages] == ["po@acme.example"]
    assert again.exit_code == 1 and "is sent" in again.output
    assert "acknowledged" in cli("po", "ack", str(po["id"])).stdout
    shown = cli("supplier", "show", "ACME")
    assert "reliability: 1 purchase order(s) sent, none shipped yet" in shown.stdout
    figures = json.loads(cli("supplier", "show", "ACME", "--json").stdout)["reliability"]
    assert figures == {"sent": 1, "shipped": 0, "on_time_percent": None, "average_days_to_ship": None}


def test_po_template_shows_sets_from_a_file_refuses_an_unknown_placeholder_and_resets(cli: Cli, tmp_path: Path) -> None:
    shown = cli("po", "template", "show", "send")
    assert shown.exit_code == 0 and "please ship the following for purchase order $number" in shown.stdout
    text = tmp_path / "send.txt"
    text.write_text("Ship $lines for $number, $supplier_name.\n", encoding="utf-8")
    saved = cli("po", "template", "set", "send", "--file", str(text))
    assert saved.exit_code == 0 and "template send: saved" in saved.stdout
    assert cli("po", "template", "show", "send").stdout == "Ship $lines for $number, $supplier_name.\n"
    text.write_text("Ship $lines to $customer.\n", encoding="utf-8")
    refused = cli("po", "template", "set", "send", "--file", str(text))
    assert refused.exit_code == 1 and "body" in refused.output and "$customer" in refused.output
    assert json.loads(cli("po", "template", "show", "send", "--json").stdout)["body"].startswith("Ship $lines for")
    both = cli("po", "template", "set", "send", "--file", str(text), "--reset")
    assert both.exit_code == 1 and "--reset" in both.output
    unknown = cli("po", "template", "show", "invoice")
    assert unknown.exit_code == 1 and "follow-up" in unknown.output
    assert "back to the built-in text" in cli("po", "template", "set", "send", "--reset").stdout
    listed = cli("po", "template", "show")
    assert listed.exit_code == 0 and "follow-up (built-in)" in listed.stdout and "Dear $supplier_name" in listed.stdout


def test_po_send_mails_the_merchants_own_text(cli: Cli, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    set_up(cli)
    text = tmp_path / "send.txt"
    text.write_text("Our order $number:\n$lines\nThanks.\n", encoding="utf-8")
    assert cli("po", "template", "set", "send", "--file", str(text)).exit_code == 0
    (po,) = json.loads(cli("po", "list", "--json").stdout)
    with smtp_server() as (inbox, mailer):
        monkeypatch.setenv("TRUECOUNT_SMTP_HOST", mailer.host)
        monkeypatch.setenv("TRUECOUNT_SMTP_PORT", str(mailer.port))
        get_settings.cache_clear()
        try:
            sent = cli("po", "send", str(po["id"]))
        finally:
            get_settings.cache_clear()
    assert sent.exit_code == 0, sent.output
    (mail,) = inbox.messages
    body = mail.get_body(("plain",))
    assert body is not None
    assert body.get_content().replace("\r\n", "\n").startswith(f"Our order {po['number']}:\n  2 x SNK")
