"""Set-up from the command line: products, variants, locations, types, merchants, imports with --update."""

from __future__ import annotations

import json
from pathlib import Path

from tests.cli.conftest import Cli


def product_json(cli: Cli, ref: str) -> dict[str, object]:
    shown = cli("product", "show", ref, "--json")
    assert shown.exit_code == 0, shown.output
    data: dict[str, object] = json.loads(shown.stdout)
    return data


def test_a_variant_added_to_a_product_joins_it_instead_of_making_a_second_product(cli: Cli) -> None:
    assert cli("product", "add", "Blue tee", "--sku", "TEE-M", "--option", "size=M").exit_code == 0
    added = cli("variant", "add", "TEE-M", "--sku", "TEE-L", "--option", "size=L", "--barcode", "5012345678917")
    assert added.exit_code == 0, added.output
    listed = json.loads(cli("product", "list", "--json").stdout)
    assert [(p["name"], p["variants"], p["skus"]) for p in listed] == [("Blue tee", 2, ["TEE-L", "TEE-M"])]
    view = product_json(cli, "5012345678917")  # a barcode names the product too
    assert [(v["sku"], v["options"]) for v in view["variants"]] == [("TEE-M", {"size": "M"}), ("TEE-L", {"size": "L"})]  # type: ignore[attr-defined]


def test_a_product_is_renamed_by_number_sku_or_unique_name(cli: Cli) -> None:
    assert cli("product", "add", "Mug", "--sku", "MUG").exit_code == 0
    number = json.loads(cli("product", "list", "--json").stdout)[0]["id"]
    assert cli("product", "edit", str(number), "--name", "Enamel mug").exit_code == 0
    assert product_json(cli, "Enamel mug")["name"] == "Enamel mug"
    assert cli("product", "edit", "MUG", "--name", " ").exit_code == 1


def test_two_products_with_one_name_are_told_apart_by_number(cli: Cli) -> None:
    assert cli("product", "add", "Tee", "--sku", "A").exit_code == 0
    assert cli("product", "add", "Tee", "--sku", "B").exit_code == 0
    refused = cli("product", "show", "Tee")
    assert refused.exit_code == 1
    assert "2 products are named 'Tee'" in refused.stderr and "give the number" in refused.stderr


def test_variant_add_refuses_a_taken_sku_and_an_unknown_product_writing_nothing(cli: Cli) -> None:
    assert cli("product", "add", "Tee", "--sku", "TEE-M").exit_code == 0
    taken = cli("variant", "add", "TEE-M", "--sku", "TEE-M")
    assert taken.exit_code == 1 and "SKU 'TEE-M' already exists" in taken.stderr
    unknown = cli("variant", "add", "NOPE", "--sku", "NEW")
    assert unknown.exit_code == 1 and "product: no product" in unknown.stderr
    assert json.loads(cli("product", "list", "--json").stdout)[0]["skus"] == ["TEE-M"]


def test_variant_edit_changes_flags_and_barcodes(cli: Cli) -> None:
    assert cli("product", "add", "Tee", "--sku", "TEE-M", "--barcode", "111").exit_code == 0
    edited = cli(
        "variant", "edit", "TEE-M", "--discontinued", "--sellable-from", "2031-01-02",
        "--add-barcode", "222", "--remove-barcode", "111",
    )  # fmt: skip
    assert edited.exit_code == 0, edited.output
    variant = product_json(cli, "TEE-M")["variants"][0]  # type: ignore[index]
    assert (variant["discontinued"], variant["sellable_from"], variant["barcodes"]) == (True, "2031-01-02", ["222"])
    assert cli("variant", "edit", "TEE-M", "--sellable-from", "unset").exit_code == 0
    assert product_json(cli, "TEE-M")["variants"][0]["sellable_from"] is None  # type: ignore[index]
    missing = cli("variant", "edit", "TEE-M", "--remove-barcode", "999")
    assert missing.exit_code == 1 and "has no barcode '999'" in missing.stderr


def test_location_list_and_edit(cli: Cli) -> None:
    assert cli("location", "add", "WH1").exit_code == 0
    assert cli("location", "add", "WH1-A", "--parent", "WH1").exit_code == 0
    edited = cli("location", "edit", "WH1-A", "--name", "Aisle A", "--not-for-sale", "--priority", "5")
    assert edited.exit_code == 0, edited.output
    rows = {r["code"]: r for r in json.loads(cli("location", "list", "--json").stdout)}
    assert (rows["WH1-A"]["name"], rows["WH1-A"]["saleable"], rows["WH1-A"]["priority"]) == ("Aisle A", False, 5)
    assert rows["WH1-A"]["parent"] == "WH1"
    assert cli("location", "edit", "WH1-A", "--parent", "").exit_code == 0
    assert json.loads(cli("location", "list", "--json").stdout)[1]["parent"] is None
    loop = cli("location", "edit", "WH1", "--parent", "WH1")
    assert loop.exit_code == 1 and "cannot hold itself" in loop.stderr


def test_a_location_made_not_for_sale_leaves_the_channels_offer_at_once(cli: Cli) -> None:
    assert cli("location", "add", "WH1").exit_code == 0
    assert cli("product", "add", "Tee", "--sku", "TEE-M").exit_code == 0
    assert cli("channel", "add", "web", "--kind", "manual", "--locations", "WH1").exit_code == 0
    assert cli("receive", "TEE-M", "7", "--at", "WH1").exit_code == 0
    offered = json.loads(cli("offers", "web", "TEE-M", "--json").stdout)
    assert offered[0]["quantity"] == 7
    assert cli("location", "edit", "WH1", "--not-for-sale").exit_code == 0
    assert json.loads(cli("offers", "web", "TEE-M", "--json").stdout)[0]["quantity"] == 0


def test_type_list_shows_the_default_types(cli: Cli) -> None:
    assert cli("type", "add", "used", "--sellable").exit_code == 0
    rows = json.loads(cli("type", "list", "--json").stdout)
    assert rows == [
        {"code": "damaged", "sellable": False},
        {"code": "good", "sellable": True},
        {"code": "used", "sellable": True},
    ]


def test_merchant_add_makes_a_tenant_the_cli_can_act_for(cli: Cli) -> None:
    added = cli("merchant", "add", "acme-shop-x", "--name", "Acme Ltd")
    assert added.exit_code == 0, added.output
    codes = {r["code"]: r["name"] for r in json.loads(cli("merchant", "list", "--json").stdout)}
    assert codes["acme-shop-x"] == "Acme Ltd"
    again = cli("merchant", "add", "acme-shop-x")
    assert again.exit_code == 1 and "already exists" in again.stderr


def test_locations_import_refuses_existing_codes_unless_asked_to_update(cli: Cli, tmp_path: Path) -> None:
    assert cli("location", "add", "WH1", "--name", "Old").exit_code == 0
    path = tmp_path / "locations.csv"
    path.write_text("code,name,priority\nWH1,Main warehouse,10\nWH2,Overflow,20\n", encoding="utf-8")
    refused = cli("import", "locations", str(path))
    assert refused.exit_code == 1 and "row 2, column code" in refused.stderr
    assert [r["code"] for r in json.loads(cli("location", "list", "--json").stdout)] == ["WH1"]
    done = cli("import", "locations", str(path), "--update")
    assert done.exit_code == 0 and "1 created, 1 updated" in done.stdout
    rows = {r["code"]: r for r in json.loads(cli("location", "list", "--json").stdout)}
    assert (rows["WH1"]["name"], rows["WH1"]["priority"], rows["WH2"]["name"]) == ("Main warehouse", 10, "Overflow")


def test_products_import_with_update_changes_variants_by_sku_and_adds_new_ones(cli: Cli, tmp_path: Path) -> None:
    assert cli("product", "add", "Tee", "--sku", "TEE-M", "--barcode", "111").exit_code == 0
    path = tmp_path / "products.csv"
    path.write_text(
        "product,sku,barcodes,options,discontinued\nClassic tee,TEE-M,222,size=M,true\nClassic tee,TEE-L,,size=L,\n",
        encoding="utf-8",
    )
    assert cli("import", "products", str(path)).exit_code == 1
    done = cli("import", "products", str(path), "--update")
    assert done.exit_code == 0, done.output
    assert "1 created, 1 updated" in done.stdout
    view = product_json(cli, "TEE-M")
    assert view["name"] == "Classic tee"
    m, big = view["variants"]  # type: ignore[misc]
    assert (m["barcodes"], m["options"], m["discontinued"]) == (["111", "222"], {"size": "M"}, True)
    assert big["sku"] == "TEE-L"
    tracked = tmp_path / "tracked.csv"
    tracked.write_text("product,sku,tracked\nClassic tee,TEE-M,false\n", encoding="utf-8")
    refused = cli("import", "products", str(tracked), "--update")
    assert refused.exit_code == 1 and "row 2, column tracked" in refused.stderr
