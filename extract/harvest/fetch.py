"""Fetching one URL politely and safely.

Every request, redirect hops and robots.txt included, goes through `Fetcher.fetch`, which
- refuses URLs whose host is not in the source's `allowed_hosts` (before any DNS look-up),
- refuses private, loopback, link-local and other non-global addresses unless the source allows them,
  and connects to the very address it checked (resolved once per host and run: no DNS rebinding
  between the check and the connection; the Host header and the TLS server name stay the host's),
- obeys robots.txt, a per-host rate limit and a per-host concurrency cap,
- sends conditional headers (If-None-Match / If-Modified-Since),
- follows redirects itself (each hop checked, loops detected, a hop limit),
- retries timeouts, dropped/truncated bodies, 429 and 5xx with exponential backoff (tenacity),
- streams the body under a size cap and a total deadline.
It never raises for a failed document: the result carries the reason.
"""

from __future__ import annotations

import codecs
import ipaddress
import re
import socket
import ssl
import threading
import time
import urllib.robotparser
from dataclasses import dataclass, field
from email.utils import parsedate_to_datetime
from typing import Callable
from urllib.parse import unquote_to_bytes, urljoin, urlsplit, urlunsplit

import httpx
from charset_normalizer import from_bytes
from tenacity import RetryCallState, Retrying, retry_if_exception_type, stop_after_attempt

from extract.harvest.registry import Politeness, Source

REDIRECT_STATUSES = (301, 302, 303, 307, 308)
ROBOTS_MAX_BYTES = 512 * 1024


class FetchFailure(Exception):
    """A document could not be fetched; the message is the recorded reason."""


class Retryable(FetchFailure):
    def __init__(self, reason: str, retry_after: float | None = None, status: int | None = None):
        super().__init__(reason)
        self.retry_after = retry_after
        self.status = status


class Refused(FetchFailure):
    """Policy said no (host, address, robots.txt); nothing was sent."""


class Disallowed(Refused):
    """robots.txt forbids the URL: the link is skipped, not failed."""


class Interrupted(FetchFailure):
    pass


@dataclass(frozen=True, slots=True)
class Conditional:
    etag: str | None = None
    last_modified: str | None = None


@dataclass(slots=True)
class FetchResult:
    url: str
    final_url: str | None = None
    status: int | None = None
    body: bytes | None = None  # None for 304 and failures
    headers: dict[str, str] = field(default_factory=dict)
    etag: str | None = None
    last_modified: str | None = None
    content_type: str | None = None
    file_name: str | None = None
    error: str | None = None
    disallowed: bool = False  # robots.txt forbids it: nothing was sent, the link is skipped
    interrupted: bool = False
    attempts: int = 0
    elapsed_ms: int = 0

    @property
    def ok(self) -> bool:
        return self.error is None

    @property
    def not_modified(self) -> bool:
        return self.status == 304 and self.error is None


# ---------------------------------------------------------------- address policy


Resolver = Callable[[str, int], list[str]]  # (host, port) -> addresses


def system_resolver(host: str, port: int) -> list[str]:
    return [info[4][0] for info in socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)]


def checked_address(host: str, port: int, allow_private: bool,
                    resolver: Resolver = system_resolver) -> tuple[str | None, str | None]:
    """Resolve `host` once: (the address to connect to, None), or (None, why it may not be contacted).
    Every address of the answer must be global unless private addresses are allowed."""
    try:
        addresses = resolver(host, port)
    except OSError as exc:
        return None, f"cannot resolve {host}: {getattr(exc, 'strerror', None) or exc}"
    if not addresses:
        return None, f"cannot resolve {host}: no address"
    for raw in addresses:
        address = ipaddress.ip_address(raw.split("%")[0])
        if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped:
            address = address.ipv4_mapped
        if not allow_private and (not address.is_global or address.is_multicast):
            kind = (
                "loopback" if address.is_loopback
                else "link-local" if address.is_link_local
                else "private" if address.is_private
                else "non-public"
            )
            return None, f"{host} resolves to {kind} address {address}; refused (set allow_private_addresses to permit)"
    return addresses[0], None


def address_refusal(host: str, port: int, allow_private: bool) -> str | None:
    """Why `host` may not be contacted, or None."""
    return None if allow_private else checked_address(host, port, allow_private)[1]


def pinned_url(url: str, address: str) -> str:
    """`url` with its host replaced by the checked address (the Host header keeps the name)."""
    parts = urlsplit(url)
    host = f"[{address}]" if ":" in address else address
    netloc = host + (f":{parts.port}" if parts.port else "")
    return urlunsplit((parts.scheme, netloc, parts.path or "/", parts.query, ""))


# ---------------------------------------------------------------- per-host gate


class HostGate:
    """A per-host concurrency cap and a minimum interval between request starts."""

    def __init__(self, politeness: Politeness, stop: threading.Event):
        self.interval = 1.0 / politeness.rate_per_host if politeness.rate_per_host > 0 else 0.0
        self.slots = threading.BoundedSemaphore(politeness.concurrency_per_host)
        self.concurrency = politeness.concurrency_per_host
        self._lock = threading.Lock()
        self._next = 0.0
        self._stop = stop

    def tighten(self, politeness: Politeness) -> None:
        """Two sources on one host: the stricter limits win (the interval here; the cap is fixed at creation)."""
        if politeness.rate_per_host > 0:
            self.interval = max(self.interval, 1.0 / politeness.rate_per_host)

    def crawl_delay(self, seconds: float) -> None:
        if self.interval > 0:  # robots.txt Crawl-delay only matters when politeness is on
            self.interval = max(self.interval, min(seconds, 60.0))

    def wait_turn(self) -> None:
        if self.interval <= 0:
            return
        with self._lock:
            now = time.monotonic()
            start = max(now, self._next)
            self._next = start + self.interval
        if start > now and self._stop.wait(start - now):
            raise Interrupted("interrupted")


# ---------------------------------------------------------------- encodings and names

_META_CHARSET = re.compile(rb"""<meta[^>]+charset\s*=\s*["']?\s*([a-zA-Z0-9_\-:.]+)""", re.I)
_HEADER_CHARSET = re.compile(r"charset\s*=\s*[\"']?([a-zA-Z0-9_\-:.]+)", re.I)
# GB2312 and GBK are subsets of GB18030; decoding with the superset never loses a character.
_SUPERSETS = {"gb2312": "gb18030", "gbk": "gb18030", "x-gbk": "gb18030", "cp936": "gb18030", "euc-cn": "gb18030",
              "ascii": "utf-8", "us-ascii": "utf-8", "iso-8859-1": "windows-1252", "latin-1": "windows-1252"}


def _codec(label: str | None) -> str | None:
    if not label:
        return None
    try:
        name = codecs.lookup(label.strip().lower()).name
    except LookupError:
        return None
    return _SUPERSETS.get(name, _SUPERSETS.get(label.strip().lower(), name))


def charset_from_content_type(content_type: str | None) -> str | None:
    match = _HEADER_CHARSET.search(content_type or "")
    return match.group(1) if match else None


def decode_html(body: bytes, content_type: str | None = None) -> tuple[str, str]:
    """Decode a page: BOM, then the header charset, then a meta tag, then detection. Returns (text, encoding)."""
    for bom, name in ((codecs.BOM_UTF8, "utf-8"), (codecs.BOM_UTF16_LE, "utf-16-le"), (codecs.BOM_UTF16_BE, "utf-16-be")):
        if body.startswith(bom):
            return body[len(bom):].decode(name, errors="replace"), name
    candidates = [charset_from_content_type(content_type)]
    match = _META_CHARSET.search(body[:8192])
    candidates.append(match.group(1).decode("ascii", "ignore") if match else None)
    for label in candidates:
        codec = _codec(label)
        if codec:
            try:
                return body.decode(codec), codec
            except UnicodeDecodeError:
                continue  # a wrong declaration; fall through to detection
    try:
        return body.decode("utf-8"), "utf-8"
    except UnicodeDecodeError:
        pass
    best = from_bytes(body[:200_000], cp_isolation=["gb18030", "big5", "utf_16", "cp1252"]).best()
    codec = _codec(best.encoding) if best else None
    if codec is None:
        codec = "gb18030"  # the usual undeclared encoding of a Chinese government page
    return body.decode(codec, errors="replace"), codec


def _decode_header_bytes(raw: bytes) -> str:
    for codec in ("utf-8", "gb18030"):
        try:
            return raw.decode(codec)
        except UnicodeDecodeError:
            continue
    return raw.decode("latin-1")


def sanitize_file_name(name: str) -> str | None:
    """A display name only: no directories, no control characters, bounded. Never used as a path."""
    name = name.replace("\\", "/").rsplit("/", 1)[-1]
    name = "".join(ch for ch in name if ch.isprintable()).strip().strip(".")
    return name[:200] or None


def content_disposition_file_name(raw: bytes | None) -> str | None:
    """File name from a raw Content-Disposition header, in RFC 5987, percent-encoded, UTF-8, GBK or GB18030."""
    if not raw:
        return None
    star = re.search(rb"filename\*\s*=\s*([A-Za-z0-9_\-]+)'[^']*'([^;\s]+)", raw, re.I)
    if star:
        charset = star.group(1).decode("ascii").lower()
        data = unquote_to_bytes(star.group(2).strip(b'"'))
        codec = _codec(charset) or "utf-8"
        try:
            return sanitize_file_name(data.decode(codec))
        except UnicodeDecodeError:
            return sanitize_file_name(_decode_header_bytes(data))
    plain = re.search(rb'filename\s*=\s*"((?:[^"\\]|\\.)*)"', raw, re.I) or re.search(rb"filename\s*=\s*([^;]+)", raw, re.I)
    if not plain:
        return None
    value = plain.group(1).strip()
    if re.search(rb"%[0-9A-Fa-f]{2}", value):
        value = unquote_to_bytes(value)
    return sanitize_file_name(_decode_header_bytes(value))


def _retry_after(value: str | None) -> float | None:
    if not value:
        return None
    try:
        return max(0.0, float(value))
    except ValueError:
        pass
    try:
        return max(0.0, parsedate_to_datetime(value).timestamp() - time.time())
    except (TypeError, ValueError):
        return None


# ---------------------------------------------------------------- the fetcher


@dataclass
class _Robots:
    parser: urllib.robotparser.RobotFileParser | None  # None: allow everything
    refusal: str | None = None  # robots.txt could not be read: everything on the host is refused


class Fetcher:
    """Thread-safe; one per run. Hosts are keyed by scheme://host:port."""

    def __init__(self, stop: threading.Event | None = None, max_connections: int = 32,
                 resolver: Resolver = system_resolver, verify: ssl.SSLContext | bool = True):
        self.stop = stop or threading.Event()
        self.resolver = resolver
        self.verify = verify  # certificate checking (tests pass a context trusting their own authority)
        self.max_connections = max_connections
        self.client = self._new_client()
        self._tls_clients: dict[str, httpx.Client] = {}  # host name -> its own pool (see `_client`)
        self._lock = threading.Lock()
        self._gates: dict[str, HostGate] = {}
        self._robots: dict[str, _Robots] = {}
        self._robots_locks: dict[str, threading.Lock] = {}
        self._addresses: dict[tuple[str, int, bool], tuple[str | None, str | None]] = {}

    def _new_client(self) -> httpx.Client:
        return httpx.Client(
            follow_redirects=False,
            trust_env=False,  # never route through a proxy from the environment
            limits=httpx.Limits(max_connections=self.max_connections, max_keepalive_connections=self.max_connections),
            http2=False,
            verify=self.verify,
        )

    def _client(self, url: str) -> httpx.Client:
        """Connections are pooled by the pinned address; over TLS a connection belongs to the name its
        certificate was checked for, so each HTTPS host has its own pool (two names on one address never
        share a TLS connection)."""
        parts = urlsplit(url)
        if parts.scheme != "https":
            return self.client
        host = (parts.hostname or "").lower()
        with self._lock:
            client = self._tls_clients.get(host)
            if client is None:
                client = self._tls_clients[host] = self._new_client()
            return client

    def close(self) -> None:
        self.client.close()
        for client in self._tls_clients.values():
            client.close()

    # -- per-host state

    @staticmethod
    def origin(url: str) -> str:
        parts = urlsplit(url)
        port = parts.port or (443 if parts.scheme == "https" else 80)
        return f"{parts.scheme}://{(parts.hostname or '').lower()}:{port}"

    def gate(self, url: str, politeness: Politeness) -> HostGate:
        key = self.origin(url)
        with self._lock:
            gate = self._gates.get(key)
            if gate is None:
                gate = self._gates[key] = HostGate(politeness, self.stop)
            else:
                gate.tighten(politeness)
            return gate

    def _checked_address(self, url: str, source: Source) -> tuple[str | None, str | None]:
        """The host's address, resolved and checked once per run (every later request goes there)."""
        parts = urlsplit(url)
        host = (parts.hostname or "").lower()
        port = parts.port or (443 if parts.scheme == "https" else 80)
        key = (host, port, source.allow_private_addresses)
        with self._lock:
            if key in self._addresses:
                return self._addresses[key]
        checked = checked_address(host, port, source.allow_private_addresses, self.resolver)
        with self._lock:
            return self._addresses.setdefault(key, checked)

    def check(self, url: str, source: Source) -> str:
        """The address to connect to for `url`; raises Refused unless it may be requested for
        `source` (scheme, host, address)."""
        parts = urlsplit(url)
        if parts.scheme not in ("http", "https"):
            raise Refused(f"not an http(s) URL: {url}")
        if not source.allows(url):
            raise Refused(f"host {parts.hostname} is not in allowed_hosts")
        address, refusal = self._checked_address(url, source)
        if refusal or address is None:
            raise Refused(refusal or f"cannot resolve {parts.hostname}")
        return address

    # -- robots.txt

    def robots(self, url: str, source: Source) -> _Robots:
        key = self.origin(url)
        with self._lock:
            if key in self._robots:
                return self._robots[key]
            lock = self._robots_locks.setdefault(key, threading.Lock())
        with lock:
            with self._lock:
                if key in self._robots:
                    return self._robots[key]
            robots = self._load_robots(key + "/robots.txt", source)
            with self._lock:
                self._robots[key] = robots
            return robots

    def _load_robots(self, robots_url: str, source: Source) -> _Robots:
        result = self._fetch(robots_url, source, None, ROBOTS_MAX_BYTES, check_robots=False)
        if result.status is not None and 400 <= result.status < 500:
            return _Robots(None)  # no robots.txt: everything allowed (RFC 9309 2.3.1.3)
        if not result.ok or result.body is None:
            return _Robots(None, f"robots.txt unavailable ({result.error}); host not crawled")
        parser = urllib.robotparser.RobotFileParser()
        text, _ = decode_html(result.body, result.content_type)
        parser.parse(text.splitlines())
        delay = parser.crawl_delay(source.politeness.user_agent)
        if delay:
            self.gate(robots_url, source.politeness).crawl_delay(float(delay))
        return _Robots(parser)

    def robots_refusal(self, url: str, source: Source) -> str | None:
        robots = self.robots(url, source)
        if robots.refusal:
            return robots.refusal
        if robots.parser is not None and not robots.parser.can_fetch(source.politeness.user_agent, url):
            return "disallowed by robots.txt"
        return None

    # -- fetching

    def fetch(self, url: str, source: Source, conditional: Conditional | None = None) -> FetchResult:
        return self._fetch(url, source, conditional, source.limits.max_bytes, check_robots=True)

    def _fetch(self, url: str, source: Source, conditional: Conditional | None, max_bytes: int,
               check_robots: bool) -> FetchResult:
        started = time.monotonic()
        result = FetchResult(url=url)
        try:
            self._follow(url, source, conditional, max_bytes, check_robots, result)
        except Disallowed as exc:
            result.error, result.disallowed = str(exc), True
        except Interrupted as exc:
            result.error, result.interrupted = str(exc), True
        except FetchFailure as exc:
            result.error = str(exc)
        except httpx.HTTPError as exc:  # anything the retry loop did not classify
            result.error = f"{type(exc).__name__}: {exc}"
        result.elapsed_ms = int((time.monotonic() - started) * 1000)
        if result.error:
            result.body = None
        return result

    def _follow(self, url: str, source: Source, conditional: Conditional | None, max_bytes: int,
                check_robots: bool, result: FetchResult) -> None:
        chain = [url]
        current = url
        while True:
            address = self.check(current, source)
            if check_robots:
                refusal = self.robots_refusal(current, source)
                if refusal == "disallowed by robots.txt":
                    raise Disallowed(refusal)
                if refusal:
                    raise Refused(refusal)
            response = self._request_with_retries(current, address, source, conditional, max_bytes, result)
            status, headers, body = response
            result.final_url, result.status = current, status
            if status in REDIRECT_STATUSES:
                location = headers.get("location")
                if not location:
                    raise FetchFailure(f"HTTP {status} redirect without a Location header")
                target = urljoin(current, location.strip()).split("#", 1)[0]
                if target in chain:
                    raise FetchFailure(f"redirect loop: {' -> '.join(chain + [target])}")
                if len(chain) > source.politeness.max_redirects:
                    raise FetchFailure(f"more than {source.politeness.max_redirects} redirects")
                if not source.allows(target):
                    raise Refused(f"redirect to {target} leaves allowed_hosts; not followed")
                chain.append(target)
                current = target
                continue
            result.headers = {k: v for k, v in headers.items() if k != "content-disposition"}
            result.etag = headers.get("etag")
            result.last_modified = headers.get("last-modified")
            result.content_type = headers.get("content-type")
            if status == 304:
                if conditional is None:
                    raise FetchFailure("HTTP 304 to a request that was not conditional")
                return
            if status != 200:
                raise FetchFailure(f"HTTP {status}")
            result.body = body
            return

    def _request_with_retries(self, url: str, address: str, source: Source, conditional: Conditional | None,
                              max_bytes: int, result: FetchResult) -> tuple[int, dict[str, str], bytes | None]:
        politeness = source.politeness

        def wait(state: RetryCallState) -> float:
            exc = state.outcome.exception() if state.outcome else None
            backoff = min(politeness.backoff_max_s, politeness.backoff_base_s * 2 ** (state.attempt_number - 1))
            if isinstance(exc, Retryable) and exc.retry_after is not None:
                return min(politeness.backoff_max_s, max(exc.retry_after, backoff))
            return backoff

        def sleep(seconds: float) -> None:
            if self.stop.wait(seconds):
                raise Interrupted("interrupted")

        retrying = Retrying(
            stop=stop_after_attempt(politeness.retries + 1),
            wait=wait,
            sleep=sleep,
            retry=retry_if_exception_type(Retryable),
            reraise=True,
        )
        for attempt in retrying:
            with attempt:
                result.attempts += 1
                return self._request_once(url, address, source, conditional, max_bytes, result)
        raise AssertionError("unreachable")

    @staticmethod
    def _drain(response: httpx.Response, limit: int = 65536) -> None:
        read = 0
        try:
            for chunk in response.iter_raw():
                read += len(chunk)
                if read > limit:
                    return
        except httpx.HTTPError:
            pass

    def _request_once(self, url: str, address: str, source: Source, conditional: Conditional | None, max_bytes: int,
                      result: FetchResult) -> tuple[int, dict[str, str], bytes | None]:
        politeness = source.politeness
        gate = self.gate(url, politeness)
        parts = urlsplit(url)
        headers = {"Host": parts.netloc.rsplit("@", 1)[-1], "User-Agent": politeness.user_agent, "Accept": "*/*",
                   "Accept-Language": "zh-CN,zh;q=0.9"}
        # Connect to the checked address, never to a second look-up; TLS still checks the host's name.
        extensions = {"sni_hostname": parts.hostname} if parts.scheme == "https" else {}
        if conditional is not None:
            if conditional.etag:
                headers["If-None-Match"] = conditional.etag
            if conditional.last_modified:
                headers["If-Modified-Since"] = conditional.last_modified
        timeout = httpx.Timeout(connect=politeness.connect_timeout_s, read=politeness.read_timeout_s,
                                write=politeness.read_timeout_s, pool=politeness.total_timeout_s)
        if self.stop.is_set():
            raise Interrupted("interrupted")
        with gate.slots:
            gate.wait_turn()
            started = time.monotonic()
            try:
                with self._client(url).stream("GET", pinned_url(url, address), headers=headers, timeout=timeout,
                                        extensions=extensions) as response:
                    status = response.status_code
                    response_headers = {k.lower(): v for k, v in response.headers.items()}
                    if status != 200:
                        self._drain(response)  # lets the connection be reused
                    if status == 429 or 500 <= status <= 599:
                        raise Retryable(f"HTTP {status}", _retry_after(response_headers.get("retry-after")), status)
                    if status != 200:
                        return status, response_headers, None
                    raw_disposition = next((v for k, v in response.headers.raw if k.lower() == b"content-disposition"), None)
                    result.file_name = content_disposition_file_name(raw_disposition)
                    declared = response_headers.get("content-length")
                    if declared and declared.isdigit() and int(declared) > max_bytes:
                        raise FetchFailure(f"response too large: Content-Length {declared} > limit {max_bytes}")
                    chunks, size = [], 0
                    for chunk in response.iter_bytes():
                        size += len(chunk)
                        if size > max_bytes:
                            raise FetchFailure(f"response too large: more than {max_bytes} bytes")
                        if time.monotonic() - started > politeness.total_timeout_s:
                            raise Retryable(f"timed out: body not complete after {politeness.total_timeout_s:g} s")
                        if self.stop.is_set():
                            raise Interrupted("interrupted")
                        chunks.append(chunk)
                    body = b"".join(chunks)
                    if declared and declared.isdigit() and "content-encoding" not in response_headers \
                            and len(body) != int(declared):
                        raise Retryable(f"truncated body: received {len(body)} of {declared} bytes")
                    return status, response_headers, body
            except httpx.TimeoutException as exc:
                raise Retryable(f"timed out ({type(exc).__name__})") from None
            except httpx.RemoteProtocolError as exc:
                text = str(exc)
                if "incomplete" in text or "complete message body" in text:
                    raise Retryable(f"truncated body: {text}") from None
                raise Retryable(f"connection dropped: {text}") from None
            except httpx.ReadError as exc:
                raise Retryable(f"connection dropped: {exc}") from None
            except httpx.ConnectError as exc:
                raise FetchFailure(f"cannot connect: {exc}") from None
