"""Amazon batch pushes as one ``JSON_LISTINGS_FEED``: create a document, upload it, create the feed, wait
for it (on the stop event), then read the result document, GZIP-compressed when its
``compressionAlgorithm`` says so, and map its issues back to the listings. :func:`submit_feed` and
:func:`result_bytes` serve every feed type (the order fulfilment feed too: ``amazon_fulfilment``)."""

from __future__ import annotations

import gzip
import json
import time
from collections.abc import Mapping, Sequence
from typing import Any, Protocol

import httpx

from .base import ChannelUnavailable, PushItem, PushResult
from .http import Bucket, HttpChannel


class AmazonConnector(Protocol):
    """What a feed needs of the Amazon connector."""

    config: Mapping[str, Any]
    http: HttpChannel
    storage: Bucket
    seller: str
    marketplace: str

    def call(self, op: str, method: str, url: str, **kwargs: Any) -> httpx.Response: ...

    def patch_body(self, quantity: int, price: str | None = None) -> dict[str, Any]: ...


FEEDS = "/feeds/2021-06-30"


def push_feed(amazon: AmazonConnector, items: Sequence[PushItem]) -> list[PushResult]:
    messages = [
        {"messageId": n + 1, "sku": item.ref, "operationType": "PATCH", **amazon.patch_body(item.quantity, item.price)}
        for n, item in enumerate(items)
    ]
    header = {"sellerId": amazon.seller, "version": "2.0", "issueLocale": "en_US"}
    content = json.dumps({"header": header, "messages": messages})
    feed = submit_feed(amazon, "JSON_LISTINGS_FEED", content.encode(), "application/json; charset=UTF-8")
    report: dict[str, Any] = json.loads(result_bytes(amazon, str(feed["resultFeedDocumentId"])))
    issues: dict[int, list[str]] = {}
    for issue in report.get("issues") or []:
        if issue.get("severity") == "ERROR":
            issues.setdefault(int(issue["messageId"]), []).append(str(issue.get("message")))
    return [
        PushResult(item.ref, False, "; ".join(issues[n + 1]), retryable=False)
        if n + 1 in issues
        else PushResult(item.ref, True)
        for n, item in enumerate(items)
    ]


def submit_feed(amazon: AmazonConnector, feed_type: str, content: bytes, content_type: str) -> dict[str, Any]:
    """Create a feed document, upload ``content`` to it, create the feed and wait until it is done (on the
    stop event); the finished feed. A feed that ends FATAL or CANCELLED raises :class:`ChannelUnavailable`."""
    document = amazon.call(
        "createFeedDocument", "POST", FEEDS + "/documents", json={"contentType": content_type}
    ).json()
    upload = amazon.http.request(  # a pre-signed URL: no SP-API token, no SP-API quota
        amazon.storage, "PUT", document["url"], content=content, headers={"Content-Type": content_type}, auth=None
    )
    if upload.status_code >= 300:
        raise ChannelUnavailable(f"feed upload failed: HTTP {upload.status_code}")
    spec = {"feedType": feed_type, "marketplaceIds": [amazon.marketplace]}
    created = amazon.call(
        "createFeed", "POST", FEEDS + "/feeds", json={**spec, "inputFeedDocumentId": document["feedDocumentId"]}
    )
    if created.status_code != 202:
        raise ChannelUnavailable(f"createFeed: HTTP {created.status_code} {created.text[:200]}")
    feed = _await(amazon, created.json()["feedId"])
    if feed["processingStatus"] != "DONE":
        raise ChannelUnavailable(f"feed {feed['feedId']} ended {feed['processingStatus']}")
    return feed


def result_bytes(amazon: AmazonConnector, document_id: str) -> bytes:
    """A feed's processing report: fetched from where ``getFeedDocument`` points, decompressed if GZIP."""
    where = amazon.call("getFeedDocument", "GET", f"{FEEDS}/documents/{document_id}").json()
    raw = amazon.http.request(amazon.storage, "GET", where["url"], auth=None).content  # pre-signed, as above
    if str(where.get("compressionAlgorithm", "")).upper() == "GZIP":
        raw = gzip.decompress(raw)
    return raw


def _await(amazon: AmazonConnector, feed_id: str) -> dict[str, Any]:
    deadline = time.monotonic() + float(amazon.config.get("feed_timeout_s", 900))
    while True:
        feed: dict[str, Any] = amazon.call("getFeed", "GET", f"{FEEDS}/feeds/{feed_id}").json()
        if feed.get("processingStatus") in ("DONE", "FATAL", "CANCELLED") or time.monotonic() > deadline:
            return feed
        amazon.http.pause(float(amazon.config.get("feed_poll_s", 5.0)))  # a feed takes minutes on Amazon
