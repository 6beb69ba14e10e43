"""The Feeds API of the Amazon emulator: ``JSON_LISTINGS_FEED`` documents uploaded to a pre-signed URL,
processed ``feed_delay_s`` later, with a result document that is GZIP-compressed (``compressionAlgorithm``)
as Amazon's are; and the order fulfilment feed (``amazon_fulfilment``), processed the same way."""

from __future__ import annotations

import gzip
import json
import time
import uuid
from typing import Any

from fastapi import Body, Request, Response
from fastapi.responses import JSONResponse

from . import amazon_fulfilment
from .amazon_common import Host, iso, issue, own_url

FEEDS = "/feeds/2021-06-30"
FEED_TYPES = ("JSON_LISTINGS_FEED", amazon_fulfilment.FEED_TYPE)


def add_feed_routes(emulator: Host) -> None:
    """Register the Feeds routes, and the document storage they point to, on the emulator's app."""
    documents: dict[str, bytes] = {}
    compressed: set[str] = set()
    feeds: dict[str, dict[str, Any]] = {}
    state = emulator.state
    a = emulator.app

    def create_document(request: Request, response: Response, body: dict[str, Any] = Body(...)) -> Any:
        refused = emulator.limit("createFeedDocument", response)
        if refused:
            return refused
        doc_id = f"amzn1.tortuga.4.eu.{uuid.uuid4().hex}"
        return {"feedDocumentId": doc_id, "url": f"{own_url(request)}/_feeds/upload/{doc_id}"}

    async def upload(doc_id: str, request: Request) -> Response:
        documents[doc_id] = await request.body()
        return Response(status_code=200)

    def download(doc_id: str) -> Response:
        process_due()
        return Response(documents.get(doc_id, b""), media_type="application/octet-stream")

    def create_feed(response: Response, body: dict[str, Any] = Body(...)) -> Any:
        refused = emulator.limit("createFeed", response)
        if refused:
            return refused
        if body.get("feedType") not in FEED_TYPES or body.get("inputFeedDocumentId") not in documents:
            message = f"feedType ({' or '.join(FEED_TYPES)}) and an uploaded inputFeedDocumentId are required"
            return JSONResponse({"errors": [{"code": "InvalidInput", "message": message}]}, status_code=400)
        with state.lock:
            feed_id = str(50000 + len(feeds) + 1)
            feeds[feed_id] = {
                "feedId": feed_id,
                "feedType": body["feedType"],
                "marketplaceIds": body.get("marketplaceIds") or [],
                "createdTime": iso(time.time()),
                "processingStatus": "IN_QUEUE",
                "document": body["inputFeedDocumentId"],
                "due": time.monotonic() + emulator.feed_delay_s,
            }
        return {"feedId": feed_id}

    def process_due() -> None:
        """Process every feed whose time has come (feeds are asynchronous: minutes on Amazon)."""
        with state.lock:
            for feed in feeds.values():
                if feed["processingStatus"] == "IN_QUEUE" and time.monotonic() >= feed["due"]:
                    process(feed)

    def process(feed: dict[str, Any]) -> None:
        if feed["feedType"] == amazon_fulfilment.FEED_TYPE:
            try:
                report = amazon_fulfilment.process(emulator.fulfilments, documents[feed["document"]], None)
            except amazon_fulfilment.FatalFeed:
                feed["processingStatus"] = "FATAL"
                return
            finish(feed, report)
            return
        try:
            content = json.loads(documents[feed["document"]])
            messages = content["messages"]
        except (ValueError, KeyError, TypeError):
            feed["processingStatus"] = "FATAL"
            return
        issues: list[dict[str, Any]] = []
        for message in messages:
            found = (
                emulator.apply(str(message.get("sku")), message)
                if message.get("operationType") == "PATCH"
                else [issue("4000002", "operationType must be PATCH", [], "INVALID_REQUEST")]
            )
            issues += [{"messageId": message.get("messageId"), **i} for i in found]
        invalid = len({i["messageId"] for i in issues})
        header = {"sellerId": content.get("header", {}).get("sellerId"), "version": "2.0", "feedId": feed["feedId"]}
        summary = {
            "errors": len(issues),
            "warnings": 0,
            "messagesProcessed": len(messages),
            "messagesAccepted": len(messages) - invalid,
            "messagesInvalid": invalid,
        }
        finish(feed, json.dumps({"header": header, "issues": issues, "summary": summary}).encode())

    def finish(feed: dict[str, Any], report: bytes) -> None:
        result_id = f"amzn1.tortuga.4.eu.{uuid.uuid4().hex}"
        documents[result_id] = gzip.compress(report)
        compressed.add(result_id)
        feed.update(processingStatus="DONE", resultFeedDocumentId=result_id, processingEndTime=iso(time.time()))

    def get_feed(feed_id: str, response: Response) -> Any:
        refused = emulator.limit("getFeed", response)
        if refused:
            return refused
        process_due()
        feed = feeds.get(feed_id)
        if feed is None:
            return JSONResponse({"errors": [{"code": "NotFound", "message": "feed not found"}]}, status_code=404)
        return {k: v for k, v in feed.items() if k not in ("document", "due")}

    def get_document(doc_id: str, request: Request, response: Response) -> Any:
        refused = emulator.limit("getFeedDocument", response)
        if refused:
            return refused
        answer = {"feedDocumentId": doc_id, "url": f"{own_url(request)}/_feeds/download/{doc_id}"}
        return {**answer, "compressionAlgorithm": "GZIP"} if doc_id in compressed else answer

    def list_feeds() -> list[dict[str, Any]]:
        process_due()
        return [{k: v for k, v in f.items() if k != "due"} for f in feeds.values()]

    a.post(FEEDS + "/documents")(create_document)
    a.put("/_feeds/upload/{doc_id}")(upload)
    a.get("/_feeds/download/{doc_id}")(download)
    a.post(FEEDS + "/feeds", status_code=202)(create_feed)
    a.get(FEEDS + "/feeds/{feed_id}")(get_feed)
    a.get(FEEDS + "/documents/{doc_id}")(get_document)
    a.get("/_emulator/feeds")(list_feeds)
