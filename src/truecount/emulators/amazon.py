"""Amazon Selling Partner API emulator: Listings Items (patch/get ``fulfillment_availability``), Feeds
(``JSON_LISTINGS_FEED``, processed asynchronously), Orders (getOrders, getOrderItems), and the LWA token.

Every operation has its own token bucket (rate per second, burst) and every answer carries
``x-amzn-RateLimit-Limit``; a request over the limit gets 429 ``QuotaExceeded`` and counts as a
violation. Listings are keyed by seller SKU.
"""

from __future__ import annotations

import datetime as dt
import json
import time
import uuid
from typing import Any

from fastapi import Body, FastAPI, Request, Response
from fastapi.responses import JSONResponse

from .common import Bucket, EmulatorState, build_app

# Documented default (rate per second, burst) per operation.
RATES: dict[str, tuple[float, float]] = {
    "patchListingsItem": (5.0, 10.0),
    "getListingsItem": (5.0, 10.0),
    "createFeedDocument": (0.5, 15.0),
    "createFeed": (0.0083, 15.0),
    "getFeed": (2.0, 15.0),
    "getFeedDocument": (0.0222, 10.0),
    "getOrders": (0.0167, 20.0),
    "getOrderItems": (0.5, 30.0),
}
FEEDS = "/feeds/2021-06-30"


def iso(moment: float) -> str:
    return dt.datetime.fromtimestamp(moment, dt.UTC).strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3] + "Z"


def parse_iso(text: str) -> float:
    return dt.datetime.fromisoformat(text.replace("Z", "+00:00")).timestamp()


class AmazonEmulator:
    def __init__(self, *, rates: dict[str, tuple[float, float]] | None = None, feed_delay_s: float = 2.0) -> None:
        self.state = EmulatorState("amazon")
        self.rates = {**RATES, **(rates or {})}
        self.buckets = {op: Bucket(rate, burst) for op, (rate, burst) in self.rates.items()}
        self.feed_delay_s = feed_delay_s
        self.documents: dict[str, bytes] = {}
        self.feeds: dict[str, dict[str, Any]] = {}
        self.app: FastAPI = build_app("Amazon SP-API emulator", self.state)
        a = self.app
        a.post("/auth/o2/token")(self.token)
        a.patch("/listings/2021-08-01/items/{seller_id}/{sku}")(self.patch_listing)
        a.get("/listings/2021-08-01/items/{seller_id}/{sku}")(self.get_listing)
        a.post(FEEDS + "/documents")(self.create_feed_document)
        a.put("/_feeds/upload/{doc_id}")(self.upload)
        a.get("/_feeds/download/{doc_id}")(self.download)
        a.post(FEEDS + "/feeds", status_code=202)(self.create_feed)
        a.get(FEEDS + "/feeds/{feed_id}")(self.get_feed)
        a.get(FEEDS + "/documents/{doc_id}")(self.get_feed_document)
        a.get("/orders/v0/orders")(self.get_orders)
        a.get("/orders/v0/orders/{order_id}/orderItems")(self.get_order_items)
        a.get("/_emulator/feeds")(self.list_feeds)

    def _limit(self, op: str, response: Response) -> JSONResponse | None:
        rate = self.rates[op][0]
        response.headers["x-amzn-RateLimit-Limit"] = str(rate)
        response.headers["x-amzn-RequestId"] = str(uuid.uuid4())
        if self.buckets[op].take():
            return None
        self.state.violation(op)
        body = {"errors": [{"code": "QuotaExceeded", "message": "You exceeded your quota for the requested resource."}]}
        return JSONResponse(body, status_code=429, headers={"x-amzn-RateLimit-Limit": str(rate)})

    def token(self) -> dict[str, Any]:
        return {
            "access_token": "Atza|emulator",
            "token_type": "bearer",
            "expires_in": 3600,
            "refresh_token": "Atzr|emulator",
        }

    def _apply(self, sku: str, body: dict[str, Any]) -> list[dict[str, Any]]:
        """Apply a listings PATCH body; return its issues (empty when accepted)."""
        patches = body.get("patches")
        if not isinstance(patches, list) or not patches or not body.get("productType"):
            return [_issue("4000001", "productType and a non-empty patches list are required", ["patches"])]
        updates = []
        for patch in patches:
            if patch.get("path") != "/attributes/fulfillment_availability" or patch.get("op") not in (
                "replace",
                "merge",
            ):
                return [_issue("90220", f"'{patch.get('path')}' is not a supported patch", ["patches"])]
            for value in patch.get("value") or []:
                quantity = value.get("quantity")
                if not isinstance(quantity, int) or quantity < 0:
                    return [_issue("90244", "quantity must be a non-negative integer", ["fulfillment_availability"])]
                updates.append(quantity)
        if not updates:
            return [_issue("90244", "fulfillment_availability needs a quantity", ["fulfillment_availability"])]
        with self.state.lock:
            listing = self.state.listing(sku)
            listing.write(updates[-1])
        return []

    def patch_listing(
        self, seller_id: str, sku: str, marketplaceIds: str, response: Response, body: dict[str, Any] = Body(...)
    ) -> Any:
        refused = self._limit("patchListingsItem", response)
        if refused:
            return refused
        issues = self._apply(sku, body)
        return {
            "sku": sku,
            "status": "INVALID" if issues else "ACCEPTED",
            "submissionId": uuid.uuid4().hex,
            "issues": issues,
        }

    def get_listing(
        self, seller_id: str, sku: str, marketplaceIds: str, response: Response, includedData: str = "summaries"
    ) -> Any:
        refused = self._limit("getListingsItem", response)
        if refused:
            return refused
        with self.state.lock:
            listing = self.state.listings.get(sku)
            if listing is None:
                return JSONResponse(
                    {"errors": [{"code": "NOT_FOUND", "message": f"SKU '{sku}' not found"}]}, status_code=404
                )
            quantity = listing.quantity
        return {
            "sku": sku,
            "summaries": [
                {"marketplaceId": marketplaceIds.split(",")[0], "status": ["BUYABLE"] if quantity else ["DISCOVERABLE"]}
            ],
            "fulfillmentAvailability": [{"fulfillmentChannelCode": "DEFAULT", "quantity": quantity}],
        }

    def create_feed_document(self, request: Request, response: Response, body: dict[str, Any] = Body(...)) -> Any:
        refused = self._limit("createFeedDocument", response)
        if refused:
            return refused
        doc_id = f"amzn1.tortuga.4.eu.{uuid.uuid4().hex}"
        return {"feedDocumentId": doc_id, "url": f"{_own_url(request)}/_feeds/upload/{doc_id}"}

    async def upload(self, doc_id: str, request: Request) -> Response:
        self.documents[doc_id] = await request.body()
        return Response(status_code=200)

    def download(self, doc_id: str) -> Response:
        self.process_due()
        return Response(self.documents.get(doc_id, b""), media_type="application/json")

    def create_feed(self, response: Response, body: dict[str, Any] = Body(...)) -> Any:
        refused = self._limit("createFeed", response)
        if refused:
            return refused
        if body.get("feedType") != "JSON_LISTINGS_FEED" or body.get("inputFeedDocumentId") not in self.documents:
            response.status_code = 400
            return {
                "errors": [
                    {
                        "code": "InvalidInput",
                        "message": "feedType JSON_LISTINGS_FEED and an uploaded inputFeedDocumentId are required",
                    }
                ]
            }
        feed_id = str(50000 + len(self.feeds) + 1)
        with self.state.lock:
            self.feeds[feed_id] = {
                "feedId": feed_id,
                "feedType": "JSON_LISTINGS_FEED",
                "marketplaceIds": body.get("marketplaceIds") or [],
                "createdTime": iso(time.time()),
                "processingStatus": "IN_QUEUE",
                "document": body["inputFeedDocumentId"],
                "due": time.monotonic() + self.feed_delay_s,
            }
        return {"feedId": feed_id}

    def process_due(self) -> None:
        """Process every feed whose time has come (feeds are asynchronous: minutes on Amazon)."""
        with self.state.lock:
            for feed in self.feeds.values():
                if feed["processingStatus"] == "IN_QUEUE" and time.monotonic() >= feed["due"]:
                    self._process(feed)

    def _process(self, feed: dict[str, Any]) -> None:
        try:
            content = json.loads(self.documents[feed["document"]])
            messages = content["messages"]
        except (ValueError, KeyError, TypeError):
            feed["processingStatus"] = "FATAL"
            return
        issues: list[dict[str, Any]] = []
        for message in messages:
            for issue in (
                self._apply(str(message.get("sku")), message)
                if message.get("operationType") == "PATCH"
                else [_issue("4000002", "operationType must be PATCH", [])]
            ):
                issues.append({"messageId": message.get("messageId"), **issue})
        invalid = len({i["messageId"] for i in issues})
        result = {
            "header": {
                "sellerId": content.get("header", {}).get("sellerId"),
                "version": "2.0",
                "feedId": feed["feedId"],
            },
            "issues": issues,
            "summary": {
                "errors": len(issues),
                "warnings": 0,
                "messagesProcessed": len(messages),
                "messagesAccepted": len(messages) - invalid,
                "messagesInvalid": invalid,
            },
        }
        result_id = f"amzn1.tortuga.4.eu.{uuid.uuid4().hex}"
        self.documents[result_id] = json.dumps(result).encode()
        feed.update(processingStatus="DONE", resultFeedDocumentId=result_id, processingEndTime=iso(time.time()))

    def get_feed(self, feed_id: str, response: Response) -> Any:
        refused = self._limit("getFeed", response)
        if refused:
            return refused
        self.process_due()
        feed = self.feeds.get(feed_id)
        if feed is None:
            return JSONResponse({"errors": [{"code": "NotFound", "message": "feed not found"}]}, status_code=404)
        return {k: v for k, v in feed.items() if k not in ("document", "due")}

    def get_feed_document(self, doc_id: str, request: Request, response: Response) -> Any:
        refused = self._limit("getFeedDocument", response)
        if refused:
            return refused
        return {"feedDocumentId": doc_id, "url": f"{_own_url(request)}/_feeds/download/{doc_id}"}

    def list_feeds(self) -> list[dict[str, Any]]:
        self.process_due()
        return [{k: v for k, v in f.items() if k != "due"} for f in self.feeds.values()]

    def _order(self, order_id: str) -> dict[str, Any]:
        order = self.state.orders[order_id]
        return {
            "AmazonOrderId": order.id,
            "PurchaseDate": iso(order.created_at),
            "LastUpdateDate": iso(order.updated_at),
            "OrderStatus": "Canceled" if order.status != "open" else "Unshipped",
            "FulfillmentChannel": "MFN",
            "NumberOfItemsUnshipped": sum(int(line["quantity"]) for line in order.lines),
            "MarketplaceId": "A1F83G8C2ARO7P",
        }

    def get_orders(self, request: Request, response: Response) -> Any:
        refused = self._limit("getOrders", response)
        if refused:
            return refused
        params = request.query_params
        page = min(int(params.get("MaxResultsPerPage", "100")), 100)
        start = int(params["NextToken"]) if params.get("NextToken") else 0
        if not params.get("MarketplaceIds") or not (
            params.get("LastUpdatedAfter") or params.get("CreatedAfter") or params.get("NextToken")
        ):
            response.status_code = 400
            return {
                "errors": [
                    {
                        "code": "InvalidInput",
                        "message": "MarketplaceIds and LastUpdatedAfter or CreatedAfter are required",
                    }
                ]
            }
        after = parse_iso(params.get("LastUpdatedAfter") or params.get("CreatedAfter") or "1970-01-01T00:00:00Z")
        with self.state.lock:
            found = sorted(
                (o for o in self.state.orders.values() if o.updated_at > after), key=lambda o: (o.updated_at, o.id)
            )
            orders = [self._order(o.id) for o in found[start : start + page]]
        payload: dict[str, Any] = {"Orders": orders, "LastUpdatedBefore": iso(time.time())}
        if start + page < len(found):
            payload["NextToken"] = str(start + page)
        return {"payload": payload}

    def get_order_items(self, order_id: str, response: Response) -> Any:
        refused = self._limit("getOrderItems", response)
        if refused:
            return refused
        with self.state.lock:
            order = self.state.orders.get(order_id)
            if order is None:
                return JSONResponse(
                    {"errors": [{"code": "InvalidInput", "message": "Invalid AmazonOrderId"}]}, status_code=400
                )
            items = [
                {
                    "ASIN": f"B0{line['sku'][:8].upper():0>8}",
                    "SellerSKU": line["sku"],
                    "OrderItemId": line["line_id"],
                    "QuantityOrdered": line["quantity"],
                }
                for line in order.lines
            ]
        return {"payload": {"AmazonOrderId": order_id, "OrderItems": items}}


def _own_url(request: Request) -> str:
    """This server's own address (from the socket, not the Host header a client may set oddly)."""
    host, port = request.scope["server"]
    return f"http://{host}:{port}"


def _issue(code: str, message: str, attributes: list[str]) -> dict[str, Any]:
    return {"code": code, "message": message, "severity": "ERROR", "attributeNames": attributes}
