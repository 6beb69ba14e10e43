"""A real HTTP server on a free loopback port serving one file at ``/feed.csv`` with an ETag and a
Last-Modified date, answering 304 to a request that names them; it keeps each request's headers."""

from __future__ import annotations

import hashlib
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from email.utils import formatdate
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any


@dataclass
class Served:
    """What the server answers (change ``body`` to publish a new file) and what it was asked."""

    body: bytes = b""
    modified: float = 1_700_000_000.0
    requests: list[dict[str, str]] = field(default_factory=list)
    port: int = 0

    @property
    def etag(self) -> str:
        return '"' + hashlib.sha256(self.body).hexdigest()[:16] + '"'

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}/feed.csv"


def _handler(served: Served) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            served.requests.append({k.lower(): v for k, v in self.headers.items()})
            if self.path != "/feed.csv":
                self.send_error(404)
                return
            if self.headers.get("If-None-Match") == served.etag:
                self.send_response(304)
                self.end_headers()
                return
            self.send_response(200)
            self.send_header("Content-Type", "text/csv")
            self.send_header("ETag", served.etag)
            self.send_header("Last-Modified", formatdate(served.modified, usegmt=True))
            self.send_header("Content-Length", str(len(served.body)))
            self.end_headers()
            self.wfile.write(served.body)

        def log_message(self, format: str, *args: Any) -> None:
            pass

    return Handler


@contextmanager
def http_file_server(body: bytes) -> Iterator[Served]:
    served = Served(body)
    server = ThreadingHTTPServer(("127.0.0.1", 0), _handler(served))
    served.port = int(server.server_address[1])
    thread = threading.Thread(target=server.serve_forever, name="http-feed", daemon=True)
    thread.start()
    try:
        yield served
    finally:
        server.shutdown()
        server.server_close()
        thread.join(30)
