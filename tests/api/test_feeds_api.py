"""``/api/v1/feeds`` in-process, on both backends: create, list, show, run now, runs; refusals; roles;
secrets never in an answer."""

from __future__ import annotations

import tempfile
from collections.abc import Callable
from pathlib import Path

from fastapi.testclient import TestClient

from tests import feed_factories as ff
from tests.api_factories import assert_error
from truecount.adapters.db.engine import Database
from truecount.services.common.scope import Scope
from truecount.services.feeds.records import list_feeds

MAPPING = {"Art": "supplier_sku", "Qty": "quantity", "Price": "cost"}


def test_a_feed_is_created_shown_run_now_and_its_runs_listed(
    db: Database, scope: Scope, api: TestClient, tmp_path: Path
) -> None:
    ff.dropshipper(db, scope)
    body = {"supplier": "ACME", "source": str(tmp_path), "mapping": MAPPING, "at": "18:00,06:00"}
    created = api.post("/api/v1/feeds", json=body)
    assert created.status_code == 201, created.text
    assert {k: created.json()[k] for k in ("supplier", "source", "mapping", "every", "at", "secret", "runs")} == {
        "supplier": "ACME", "source": str(tmp_path), "mapping": MAPPING, "every": None, "at": "06:00,18:00",
        "secret": None, "runs": [],
    }  # fmt: skip
    ff.write_csv(tmp_path, "f.csv", "Art,Qty,Price\nAC-SNK,5,9.99\n", 1_000)

    ran = api.post("/api/v1/feeds/ACME/runs")

    assert ran.status_code == 201, ran.text
    assert {k: ran.json()[k] for k in ("trigger", "outcome", "file", "rows_read", "rows_changed", "movements")} == {
        "trigger": "manual", "outcome": "applied", "file": "f.csv", "rows_read": 1, "rows_changed": 1, "movements": 1,
    }  # fmt: skip
    assert ff.at_supplier(db, scope) == {"SNK": 5}
    ff.write_csv(tmp_path, "g.csv", "Art,Qty,Price\nAC-SNK,-1,9.99\n", 2_000)
    refused = api.post("/api/v1/feeds/ACME/runs").json()
    assert (refused["outcome"], refused["refused"]) == (
        "refused", [{"row": 2, "column": "Qty", "reason": "'-1' is not a whole number of 0 or more"}],
    )  # fmt: skip
    assert ff.at_supplier(db, scope) == {"SNK": 5}
    runs = api.get("/api/v1/feeds/ACME/runs")
    assert runs.status_code == 200 and [r["outcome"] for r in runs.json()] == ["refused", "applied"]
    assert [r["outcome"] for r in api.get("/api/v1/feeds/ACME/runs?limit=1").json()] == ["refused"]
    (listed,) = api.get("/api/v1/feeds").json()
    assert [r["outcome"] for r in listed["runs"]] == ["refused"]
    shown = api.get("/api/v1/feeds/ACME").json()
    assert [r["outcome"] for r in shown["runs"]] == ["refused", "applied"] and shown["stale"] is False
    replaced = api.post("/api/v1/feeds", json=body | {"every": "60m", "at": None})
    assert replaced.status_code == 200 and replaced.json()["every"] == "60m"


def test_bad_feeds_are_refused_naming_the_field_and_write_nothing(db: Database, scope: Scope, api: TestClient) -> None:
    ff.dropshipper(db, scope)
    good = {"supplier": "ACME", "source": str(Path(tempfile.gettempdir()) / "acme"), "every": "60m"}
    for change, field in (
        ({"source": "/srv/feeds/acme"}, "source"),  # outside TRUECOUNT_FEED_FOLDERS
        ({"every": "0m"}, "every"),
        ({"every": None}, "every"),
        ({"at": "25:00", "every": None}, "at"),
        ({"mapping": {"a": "price"}}, "map"),
        ({"mapping": {"a": "quantity"}}, "map"),
        ({"source": "gopher://x/y"}, "source"),
        ({"source": "sftp://host/x"}, "source"),
        ({"format": "ods"}, "format"),
        ({"stale_after": "soon"}, "stale_after"),
        ({"private_key": "k"}, "private_key"),
    ):
        assert_error(api.post("/api/v1/feeds", json=good | change), 422, "invalid_input", field)
    assert_error(api.post("/api/v1/feeds", json=good | {"supplier": "NOPE"}), 404, "not_found", "supplier")
    assert_error(api.post("/api/v1/feeds", json=good | {"colour": "red"}), 422, "invalid_input", "colour")
    assert list_feeds(db, scope) == []
    assert_error(api.get("/api/v1/feeds/ACME"), 404, "not_found", "supplier")
    assert_error(api.post("/api/v1/feeds/ACME/runs"), 404, "not_found", "supplier")


def test_only_an_admin_creates_or_runs_a_feed_and_no_answer_carries_its_secret(
    db: Database, scope: Scope, api: TestClient, client_as: Callable[[str], TestClient]
) -> None:
    ff.dropshipper(db, scope)
    body = {"supplier": "ACME", "source": "sftp://acme@127.0.0.1:2222/drop", "every": "1h",
            "password": "pa55-word-xyz", "private_key": "-----BEGIN OPENSSH PRIVATE KEY-----\nabc\n"}  # fmt: skip
    staff = client_as("staff")
    assert_error(staff.post("/api/v1/feeds", json=body), 403, "forbidden", None)
    created = api.post("/api/v1/feeds", json=body)
    assert created.status_code == 201 and created.json()["secret"] == "****"
    assert_error(staff.post("/api/v1/feeds/ACME/runs"), 403, "forbidden", None)
    for answer in (created, api.get("/api/v1/feeds"), api.get("/api/v1/feeds/ACME"), staff.get("/api/v1/feeds/ACME")):
        assert answer.status_code in (200, 201)
        assert "pa55-word" not in answer.text and "OPENSSH" not in answer.text


def test_an_idempotency_key_replays_a_feed_and_refuses_another_password(
    db: Database, scope: Scope, api: TestClient
) -> None:
    ff.dropshipper(db, scope)
    body = {"supplier": "ACME", "source": "https://feeds.example/acme.csv", "every": "1h", "password": "one-pass"}
    first = api.post("/api/v1/feeds", json=body, headers={"Idempotency-Key": "feed-1"})
    again = api.post("/api/v1/feeds", json=body, headers={"Idempotency-Key": "feed-1"})
    assert first.status_code == 201 and again.json()["replayed"] is True
    other = api.post("/api/v1/feeds", json=body | {"password": "two-pass"}, headers={"Idempotency-Key": "feed-1"})
    assert_error(other, 409, "idempotency_conflict")
