"""``truecount stocktake``: start a count of a location and its bins, count, see the variance, approve."""

from __future__ import annotations

import json

from tests.cli.conftest import Cli
from tests.cli.test_stock_commands import setup_shop, stock_rows


def test_a_stocktake_of_a_parent_counts_its_bins_and_approval_posts_the_variance(cli: Cli) -> None:
    setup_shop(cli)
    assert cli("receive", "TEE-M", "12", "--at", "WH1-A").exit_code == 0
    started = cli("stocktake", "start", "WH1", "--json")
    assert started.exit_code == 0, started.output
    take = json.loads(started.stdout)
    assert [(line["place"], line["sku"], line["expected"]) for line in take["lines"]] == [("WH1-A", "TEE-M", 12)]
    sid = str(take["id"])
    counted = cli("stocktake", "count", sid, "5012345678900", "16", "--at", "WH1-A")
    assert counted.exit_code == 0 and "variance +4 units" in counted.stdout
    refused = cli("stocktake", "count", sid, "TEE-M", "1", "--at", "SHOP")
    assert refused.exit_code == 1 and "SHOP is not counted in stocktake" in refused.output
    approved = cli("stocktake", "approve", sid)
    assert approved.exit_code == 0 and "approved" in approved.stdout
    assert {row["location"]: row["on_hand"] for row in stock_rows(cli)} == {"WH1-A": 16}
    again = cli("stocktake", "approve", sid)
    assert again.exit_code == 1 and "(stocktake_closed)" in again.output
    listed = json.loads(cli("stocktake", "list", "--json").stdout)
    assert [(s["id"], s["status"]) for s in listed] == [(take["id"], "approved")]
