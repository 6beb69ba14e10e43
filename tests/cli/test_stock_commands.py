"""The stock commands as a person types them: results on stdout, refusals named on stderr, exit 1, nothing written."""

from __future__ import annotations

import json

from tests.cli.conftest import Cli


def setup_shop(cli: Cli) -> None:
    for args in (
        ("location", "add", "WH1", "--name", "Main"),
        ("location", "add", "WH1-A", "--parent", "WH1"),
        ("location", "add", "SHOP", "--kind", "store", "--not-for-sale"),
        ("product", "add", "Classic tee", "--sku", "TEE-M", "--barcode", "5012345678900", "--option", "size=M"),
    ):
        result = cli(*args)
        assert result.exit_code == 0, result.output


def stock_rows(cli: Cli, *args: str) -> list[dict[str, object]]:
    result = cli("stock", *args, "--json")
    assert result.exit_code == 0, result.output
    rows: list[dict[str, object]] = json.loads(result.stdout)
    return rows


def test_receive_transfer_adjust_and_count_move_the_stock_and_verify_passes(cli: Cli) -> None:
    setup_shop(cli)
    assert cli("receive", "TEE-M", "10", "--at", "WH1-A", "--ref", "PO-1").exit_code == 0
    assert cli("receive", "5012345678900", "2", "--at", "WH1-A").exit_code == 0  # a barcode works as a SKU
    assert cli("transfer", "TEE-M", "4", "--from", "WH1-A", "--to", "SHOP").exit_code == 0
    assert cli("adjust", "TEE-M", "-1", "--at", "SHOP", "--reason", "damaged").exit_code == 0
    assert cli("count", "TEE-M", "7", "--at", "WH1-A").exit_code == 0
    rows = {row["location"]: row["on_hand"] for row in stock_rows(cli)}
    assert rows == {"WH1-A": 7, "SHOP": 3}
    assert [r["location"] for r in stock_rows(cli, "--at", "WH1")] == ["WH1-A"]  # bins roll up to WH1
    history = json.loads(cli("history", "TEE-M", "--json").stdout)
    assert [h["kind"] for h in history][:2] == ["count", "adjust"]
    assert history[-1]["reference"] == "PO-1"
    verified = cli("verify")
    assert verified.exit_code == 0 and "verified" in verified.stdout


def test_bad_input_is_refused_naming_the_field_with_exit_1_and_nothing_written(cli: Cli) -> None:
    setup_shop(cli)
    cli("receive", "TEE-M", "5", "--at", "WH1")
    cases = [
        (("receive", "NOPE", "1", "--at", "WH1"), "sku"),
        (("receive", "TEE-M", "0", "--at", "WH1"), "quantity"),
        (("receive", "TEE-M", "-3", "--at", "WH1"), "quantity"),
        (("receive", "TEE-M", "1000000000001", "--at", "WH1"), "quantity"),
        (("receive", "TEE-M", "1", "--at", "MARS"), "location"),
        (("transfer", "TEE-M", "1", "--from", "WH1", "--to", "WH1"), "to_location"),
        (("transfer", "TEE-M", "6", "--from", "WH1", "--to", "SHOP"), "quantity"),
        (("adjust", "TEE-M", "-9", "--at", "WH1", "--reason", "lost"), "quantity"),
        (("receive", "TEE-M", "1", "--at", "WH1", "--expires", "2030-01-01"), "expires_on"),
        (("receive", "TEE-M", "1", "--at", "WH1", "--lot", "L1", "--expires", "soon"), "expires_on"),
        (("stock", "--as-of", "yesterday"), "as_of"),
    ]
    for args, field in cases:
        result = cli(*args)
        assert result.exit_code == 1, (args, result.output)
        assert f"{field}:" in result.stderr, (args, result.stderr)
    assert [(r["location"], r["on_hand"]) for r in stock_rows(cli)] == [("WH1", 5)]
    assert len(json.loads(cli("history", "TEE-M", "--json").stdout)) == 1


def test_a_repeated_key_is_recorded_once_and_a_changed_payload_is_a_conflict(cli: Cli) -> None:
    setup_shop(cli)
    assert cli("receive", "TEE-M", "5", "--at", "WH1", "--key", "grn-7").exit_code == 0
    again = cli("receive", "TEE-M", "5", "--at", "WH1", "--key", "grn-7")
    assert again.exit_code == 0 and "replayed" in again.stdout
    conflict = cli("receive", "TEE-M", "6", "--at", "WH1", "--key", "grn-7")
    assert conflict.exit_code == 1 and "idempotency_conflict" in conflict.stderr
    assert [r["on_hand"] for r in stock_rows(cli)] == [5]


def test_duplicate_codes_and_unknown_parents_are_refused(cli: Cli) -> None:
    setup_shop(cli)
    duplicate = cli("location", "add", "WH1")
    assert duplicate.exit_code == 1 and "code:" in duplicate.stderr
    orphan = cli("location", "add", "BIN-9", "--parent", "NOWHERE")
    assert orphan.exit_code == 1 and "parent:" in orphan.stderr
    same_sku = cli("product", "add", "Another", "--sku", "TEE-M")
    assert same_sku.exit_code == 1 and "already exists" in same_sku.stderr


def test_receiving_by_barcode_echoes_the_sku_and_a_count_at_a_parent_with_bins_names_them(cli: Cli) -> None:
    setup_shop(cli)
    received = cli("receive", "5012345678900", "12", "--at", "WH1-A")
    assert received.exit_code == 0 and received.stdout.startswith("receive TEE-M recorded")
    refused = cli("count", "TEE-M", "16", "--at", "WH1")
    assert refused.exit_code == 1 and "WH1 keeps TEE-M in bins: WH1-A (12)" in refused.output
    refused = cli("adjust", "TEE-M", "-1", "--at", "WH1", "--reason", "damaged")
    assert refused.exit_code == 1 and "only 0 available at WH1 itself; TEE-M is in its bins: WH1-A" in refused.output
    assert {row["location"]: row["on_hand"] for row in stock_rows(cli)} == {"WH1-A": 12}
