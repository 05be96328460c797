"""A fake county portal over HTTP/1.1 (keep-alive), for tests, the benchmark and the demo.

It serves any list of documents (path, bytes, content type) and, per path, on demand, faults:
errors then success, slow headers or bodies, truncated bodies, wrong content types, redirects
(and so loops), ignored conditional requests, dropped connections, raw extra headers.
Every request is recorded (method, path, Host header, conditional headers), with the highest
number of requests in flight at once.
"""

from __future__ import annotations

import socket
import threading
import time
from dataclasses import dataclass, field
from email.utils import formatdate, parsedate_to_datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Callable, Iterable
from urllib.parse import parse_qsl, urlencode, urlsplit

from extract.harvest.store import sha256_hex


@dataclass
class PortalDocument:
    path: str  # "/xxgk/xxgknb/index.html"; a query string may be part of it
    body: bytes
    content_type: str | None = "text/html"
    headers: tuple[tuple[bytes, bytes], ...] = ()  # raw extra headers, e.g. a GBK Content-Disposition
    last_modified: float = field(default_factory=lambda: float(int(time.time())))

    @property
    def etag(self) -> str:
        return '"' + sha256_hex(self.body)[:20] + '"'


@dataclass
class Fault:
    status: int | None = None  # answer with this status ...
    times: int | None = None  # ... for the first `times` requests (None: always), then serve normally
    retry_after: str | None = None  # Retry-After header with `status`
    delay: float = 0.0  # seconds before the status line
    chunk_delay: float = 0.0  # seconds between body chunks (a slow body)
    chunk_size: int = 256
    truncate: bool = False  # announce the full length, send half, close
    drop: bool = False  # close the connection without answering
    content_type: str | None = None  # serve with this (wrong) content type
    redirect: str | None = None  # 302 to this location (relative or absolute)
    ignore_conditional: bool = False  # no ETag/Last-Modified, never 304
    stream_bytes: int | None = None  # send this many filler bytes, chunked, no Content-Length


@dataclass(frozen=True)
class RequestRecord:
    method: str
    path: str
    host: str
    if_none_match: str | None
    if_modified_since: str | None
    user_agent: str | None
    at: float


def canonical_path(path: str) -> str:
    """A path with its query parameters sorted (how data-proxy answers are filed: any order finds them)."""
    base, _, query = path.partition("?")
    return base + "?" + urlencode(sorted(parse_qsl(query, keep_blank_values=True))) if query else base


DocumentsArg = Iterable[PortalDocument | tuple] | Callable[[str], Iterable[PortalDocument | tuple]]


def _as_document(item: PortalDocument | tuple) -> PortalDocument:
    if isinstance(item, PortalDocument):
        return item
    return PortalDocument(*item)


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    block_on_close = False
    allow_reuse_address = True
    request_queue_size = 256
    portal: Portal

    def handle_error(self, request, client_address) -> None:  # clients hanging up are not news
        pass


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "FakeCountyPortal/1.0"
    disable_nagle_algorithm = True  # headers and body go out as separate writes
    server: _Server

    def do_GET(self) -> None:  # noqa: N802
        self.server.portal._handle(self)

    def do_HEAD(self) -> None:  # noqa: N802
        self.send_response(405)
        self.send_header("Content-Length", "0")
        self.end_headers()

    def log_message(self, format: str, *args) -> None:  # noqa: A002
        pass


class Portal:
    def __init__(self, documents: DocumentsArg = (), faults: dict[str, Fault] | None = None,
                 host: str = "127.0.0.1", port: int = 0):
        self._lock = threading.Lock()
        self.documents: dict[str, PortalDocument] = {}
        self.faults: dict[str, Fault] = dict(faults or {})
        self.requests: list[RequestRecord] = []
        self.hits: dict[str, int] = {}
        self.in_flight = 0
        self.max_in_flight = 0
        self.latency = 0.0  # seconds added before every response (a slow portal)
        self._server = _Server((host, port), _Handler)
        self._server.portal = self
        bound_host, bound_port = self._server.server_address[:2]
        self.base_url = f"http://{bound_host}:{bound_port}"
        self._thread: threading.Thread | None = None
        if callable(documents):
            documents = documents(self.base_url)
        for item in documents:
            self.put(_as_document(item))

    # -- content

    def put(self, document: PortalDocument | tuple) -> None:
        document = _as_document(document)
        with self._lock:
            old = self.documents.get(document.path)
            if old is not None and old.body != document.body and document.last_modified <= old.last_modified:
                document.last_modified = old.last_modified + 1  # a change always moves Last-Modified on
            self.documents[document.path] = document

    def remove(self, path: str) -> None:
        """Stop serving `path` (404 from now on)."""
        with self._lock:
            self.documents.pop(path, None)

    def set_body(self, path: str, body: bytes) -> None:
        old = self.documents[path]
        self.put(PortalDocument(path, body, old.content_type, old.headers, old.last_modified))

    def set_fault(self, path: str, fault: Fault | None) -> None:
        with self._lock:
            if fault is None:
                self.faults.pop(path, None)
            else:
                self.faults[path] = fault
            self.hits.pop(path, None)

    def reset_log(self) -> None:
        with self._lock:
            self.requests.clear()
            self.hits.clear()
            self.max_in_flight = 0

    # -- lifecycle

    def start(self) -> str:
        self._thread = threading.Thread(target=self._server.serve_forever, kwargs={"poll_interval": 0.05},
                                        name="portal", daemon=True)
        self._thread.start()
        return self.base_url

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()
        if self._thread is not None:
            self._thread.join(timeout=5)

    # -- serving

    def _handle(self, h: _Handler) -> None:
        raw_path = h.path
        if raw_path.startswith(("http://", "https://")):
            raw_path = urlsplit(raw_path)._replace(scheme="", netloc="").geturl() or "/"
        path = raw_path.split("?", 1)[0]
        with self._lock:
            self.requests.append(RequestRecord(
                "GET", raw_path, h.headers.get("Host", ""), h.headers.get("If-None-Match"),
                h.headers.get("If-Modified-Since"), h.headers.get("User-Agent"), time.time(),
            ))
            self.in_flight += 1
            self.max_in_flight = max(self.max_in_flight, self.in_flight)
            key = raw_path if raw_path in self.faults else path
            fault = self.faults.get(key)
            hit = self.hits[key] = self.hits.get(key, 0) + 1
            document = self.documents.get(raw_path) or self.documents.get(canonical_path(raw_path)) \
                or self.documents.get(path)
        try:
            self._respond(h, document, fault, hit)
        except (BrokenPipeError, ConnectionResetError):
            h.close_connection = True
        finally:
            with self._lock:
                self.in_flight -= 1

    @staticmethod
    def _simple(h: _Handler, status: int, text: str, extra: dict[str, str] | None = None) -> None:
        body = text.encode("utf-8")
        h.send_response(status)
        h.send_header("Content-Type", "text/plain; charset=utf-8")
        h.send_header("Content-Length", str(len(body)))
        for name, value in (extra or {}).items():
            h.send_header(name, value)
        h.end_headers()
        h.wfile.write(body)

    def _respond(self, h: _Handler, document: PortalDocument | None, fault: Fault | None, hit: int) -> None:
        if self.latency:
            time.sleep(self.latency)
        if fault is not None:
            if fault.delay:
                time.sleep(fault.delay)
            if fault.drop:
                h.close_connection = True
                h.connection.shutdown(socket.SHUT_RDWR)
                return
            if fault.redirect:
                self._simple(h, 302, "moved", {"Location": fault.redirect})
                return
            if fault.status and (fault.times is None or hit <= fault.times):
                extra = {"Retry-After": fault.retry_after} if fault.retry_after else None
                self._simple(h, fault.status, f"fault {fault.status}", extra)
                return
            if fault.stream_bytes is not None:
                h.send_response(200)
                h.send_header("Content-Type", fault.content_type or "application/octet-stream")
                h.send_header("Transfer-Encoding", "chunked")
                h.end_headers()
                remaining = fault.stream_bytes
                chunk = b"0" * 65536
                while remaining > 0:
                    piece = chunk[: min(remaining, len(chunk))]
                    h.wfile.write(b"%x\r\n%s\r\n" % (len(piece), piece))
                    remaining -= len(piece)
                h.wfile.write(b"0\r\n\r\n")
                return
        if document is None:
            self._simple(h, 404, "not found")
            return
        conditional = fault is None or not fault.ignore_conditional
        if conditional:
            inm = h.headers.get("If-None-Match")
            ims = h.headers.get("If-Modified-Since")
            if inm is not None:
                not_modified = document.etag in [t.strip() for t in inm.split(",")] or inm.strip() == "*"
            elif ims is not None:
                try:
                    not_modified = parsedate_to_datetime(ims).timestamp() >= document.last_modified
                except (TypeError, ValueError):
                    not_modified = False
            else:
                not_modified = False
            if not_modified:
                h.send_response(304)
                h.send_header("ETag", document.etag)
                h.send_header("Last-Modified", formatdate(document.last_modified, usegmt=True))
                h.send_header("Content-Length", "0")
                h.end_headers()
                return
        body = document.body
        h.send_response(200)
        content_type = (fault.content_type if fault and fault.content_type else document.content_type)
        if content_type:
            h.send_header("Content-Type", content_type)
        h.send_header("Content-Length", str(len(body)))
        if conditional:
            h.send_header("ETag", document.etag)
            h.send_header("Last-Modified", formatdate(document.last_modified, usegmt=True))
        for name, value in document.headers:
            h._headers_buffer.append(name + b": " + value + b"\r\n")  # raw bytes, any encoding
        h.end_headers()
        if fault is not None and fault.truncate:
            h.wfile.write(body[: len(body) // 2])
            h.close_connection = True
            h.connection.shutdown(socket.SHUT_RDWR)
            return
        if fault is not None and fault.chunk_delay:
            for start in range(0, len(body), fault.chunk_size):
                h.wfile.write(body[start:start + fault.chunk_size])
                time.sleep(fault.chunk_delay)
            return
        h.wfile.write(body)


class ServedPortal(tuple):
    """`(base_url, stop)`, with the running `Portal` as `.portal` (its request log, documents and faults)."""

    portal: Portal

    def __new__(cls, base_url: str, stop: Callable[[], None], portal: Portal):
        self = super().__new__(cls, (base_url, stop))
        self.portal = portal
        return self

    @property
    def base_url(self) -> str:
        return self[0]

    def stop(self) -> None:
        self[1]()


def serve_portal(documents: DocumentsArg = (), faults: dict[str, Fault] | None = None,
                 host: str = "127.0.0.1", port: int = 0) -> ServedPortal:
    """Start a portal on `host` (an ephemeral port by default); returns (base_url, stop) (+ `.portal`).

    `documents` is an iterable of PortalDocument or (path, bytes, content_type) tuples, or a callable
    that receives the base URL (so pages can hold absolute links) and returns one.
    """
    portal = Portal(documents, faults, host, port)
    base_url = portal.start()
    return ServedPortal(base_url, portal.stop, portal)


def closed_port_url(host: str = "127.0.0.1") -> str:
    """The URL of a port nobody listens on: a dead portal."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind((host, 0))
        port = sock.getsockname()[1]
    return f"http://{host}:{port}"
