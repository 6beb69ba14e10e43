"""Allocation ties follow the channel's location order (the order given to ``--locations``)."""

from __future__ import annotations

import json

from tests.cli.conftest import Cli


def booked_at(cli: Cli, external: str) -> list[str]:
    made = cli("order", "create", "--channel", "web", "--external", external, "TEE:1", "--json")
    assert made.exit_code == 0, made.output
    order = json.loads(made.stdout)
    return [b["location"] for line in order["lines"] for b in line["bookings"]]


def test_equal_priority_locations_are_booked_in_the_order_the_channel_lists_them(cli: Cli) -> None:
    assert cli("location", "add", "A-DROP", "--kind", "dropship").exit_code == 0
    assert cli("location", "add", "WH-SOUTH").exit_code == 0
    assert cli("product", "add", "Tee", "--sku", "TEE").exit_code == 0
    for where in ("A-DROP", "WH-SOUTH"):
        assert cli("receive", "TEE", "5", "--at", where).exit_code == 0
    assert cli("channel", "add", "web", "--kind", "manual", "--locations", "WH-SOUTH,A-DROP").exit_code == 0
    assert booked_at(cli, "1") == ["WH-SOUTH"]  # not A-DROP, which sorts first by code
    assert cli("channel", "set-locations", "web", "A-DROP,WH-SOUTH").exit_code == 0
    assert booked_at(cli, "2") == ["A-DROP"]


def test_a_lower_priority_number_still_comes_before_the_channels_order(cli: Cli) -> None:
    assert cli("location", "add", "WH-SOUTH").exit_code == 0
    assert cli("location", "add", "WH-NORTH", "--priority", "1").exit_code == 0
    assert cli("product", "add", "Tee", "--sku", "TEE").exit_code == 0
    for where in ("WH-SOUTH", "WH-NORTH"):
        assert cli("receive", "TEE", "5", "--at", where).exit_code == 0
    assert cli("channel", "add", "web", "--kind", "manual", "--locations", "WH-SOUTH,WH-NORTH").exit_code == 0
    assert booked_at(cli, "1") == ["WH-NORTH"]
