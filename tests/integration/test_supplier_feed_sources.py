"""Supplier feeds over SFTP (a real asyncssh server started here, its keys generated here) and HTTP (a
real local server with ETags); the secrets they need are sealed and never shown. Both backends."""

from __future__ import annotations

import json
from pathlib import Path

import asyncssh
from sqlalchemy import select, update

from tests import feed_factories as ff
from tests import offer_factories as of
from tests.http_file_server import http_file_server
from tests.sftp_server import sftp_server
from truecount.adapters.db.engine import Database
from truecount.adapters.db.tables.feeds import supplier_feeds
from truecount.services.common.scope import Scope
from truecount.services.feeds.records import get_feed, list_feeds

HEADER = "Art.Nr,Bestand,Preis,EOL\n"


def _stored_feed(db: Database, scope: Scope) -> dict[str, str | None]:
    with db.read() as conn:
        row = conn.execute(select(supplier_feeds).where(supplier_feeds.c.merchant_id == scope.merchant_id)).one()
    return {"source": row.source, "secret": row.secret, "host_key": row.host_key}


def test_an_sftp_feed_reads_the_newest_file_with_a_key_and_pins_the_servers_host_key(
    db: Database, scope: Scope, tmp_path: Path
) -> None:
    ff.dropshipper(db, scope)
    (tmp_path / "drop").mkdir()
    ff.write_csv(tmp_path / "drop", "a.csv", HEADER + "AC-SNK,4,10.00,no\n", 1_000)
    ff.write_csv(tmp_path / "drop", "b.csv", HEADER + "AC-SNK,6,10.00,no\n", 2_000)
    with sftp_server(tmp_path) as server:
        url = f"sftp://{server.user}@127.0.0.1:{server.port}/drop"
        added = ff.feed(db, scope, url, private_key=server.client_key)
        assert (added.source, added.secret) == (url, "****")

        run = ff.run(db, scope)

        assert (run.outcome, run.file, run.rows_changed, run.movements) == ("applied", "b.csv", 1, 1)
        assert ff.at_supplier(db, scope) == {"SNK": 6}
        assert of.stored(db, scope)[("web", "SNK")] == 6
        assert _stored_feed(db, scope)["host_key"] == server.host_key
        assert ff.run(db, scope).outcome == "no_new_file"
        other = asyncssh.generate_private_key("ssh-ed25519").export_public_key().decode().strip()
        with db.write() as conn:  # the server now shows another key than the one pinned
            conn.execute(
                update(supplier_feeds).where(supplier_feeds.c.merchant_id == scope.merchant_id).values(host_key=other)
            )
        ff.write_csv(tmp_path / "drop", "c.csv", HEADER + "AC-SNK,9,10.00,no\n", 3_000)
        refused = ff.run(db, scope)
    assert refused.outcome == "failed"
    assert "host key" in (refused.error or "").lower()
    assert ff.at_supplier(db, scope) == {"SNK": 6}


def test_an_sftp_password_given_in_the_url_is_sealed_and_never_shown(
    db: Database, scope: Scope, tmp_path: Path
) -> None:
    ff.dropshipper(db, scope)
    ff.write_csv(tmp_path, "acme.csv", HEADER + "AC-CAP,8,9.50,no\n", 1_000)
    with sftp_server(tmp_path) as server:
        ff.feed(db, scope, f"sftp://{server.user}:{server.password}@127.0.0.1:{server.port}/acme.csv")
        run = ff.run(db, scope)
    assert (run.outcome, run.rows_changed) == ("applied", 1)
    assert ff.at_supplier(db, scope) == {"CAP": 8}
    stored = _stored_feed(db, scope)
    assert stored["source"] == f"sftp://{server.user}@127.0.0.1:{server.port}/acme.csv"
    assert stored["secret"] is not None and server.password not in stored["secret"]
    shown = json.dumps([f.__repr__() for f in list_feeds(db, scope)]) + repr(get_feed(db, scope, "ACME"))
    assert server.password not in shown and "****" in shown


def test_an_http_feed_sends_its_etag_and_a_304_is_a_good_run_that_changes_nothing(db: Database, scope: Scope) -> None:
    ff.dropshipper(db, scope)
    with http_file_server((HEADER + "AC-SNK,3,10.00,no\nAC-CAP,1,10.00,no\n").encode()) as served:
        ff.feed(db, scope, served.url)
        first = ff.run(db, scope)
        assert (first.outcome, first.file, first.rows_changed) == ("applied", "feed.csv", 2)
        assert ff.at_supplier(db, scope) == {"SNK": 3, "CAP": 1}
        second = ff.run(db, scope)
        assert (second.outcome, second.movements) == ("not_modified", 0)
        assert served.requests[1]["if-none-match"] == served.etag
        assert "if-modified-since" in served.requests[1]
        served.body = (HEADER + "AC-SNK,0,10.00,no\nAC-CAP,1,10.00,no\n").encode()
        third = ff.run(db, scope)
    assert (third.outcome, third.rows_changed, third.movements) == ("applied", 1, 1)
    assert ff.at_supplier(db, scope) == {"CAP": 1}
    assert of.stored(db, scope) == {("web", "SNK"): 0, ("web", "CAP"): 3}
    assert get_feed(db, scope, "ACME").last_good_at is not None
