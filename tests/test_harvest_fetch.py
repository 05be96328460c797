"""The fetcher against a real local portal: policy, retries, timeouts, caps, redirects, robots, encodings."""

from __future__ import annotations

import socket
import threading
import time

import pytest

from extract.harvest.fetch import (
    Conditional, Fetcher, address_refusal, content_disposition_file_name, decode_html, sanitize_file_name,
)
from harvest_support import make_source
from xxgk.portal import Fault, PortalDocument, closed_port_url, serve_portal

REPORT = "演示县2023年政府信息公开工作年度报告"


def page(text: str, codec: str, meta: str = "") -> bytes:
    return f"<html><head>{meta}</head><body><p>{text}</p></body></html>".encode(codec)


@pytest.fixture
def portal():
    docs = [
        PortalDocument("/robots.txt", b"User-agent: *\nDisallow: /private/\n", "text/plain"),
        PortalDocument("/ok.html", page(REPORT, "utf-8"), "text/html; charset=utf-8"),
        PortalDocument("/report.pdf", b"%PDF-1.4 demo " + b"x" * 5000, "application/pdf"),
        PortalDocument("/private/x.html", b"<html>secret</html>", "text/html"),
        PortalDocument("/big.pdf", b"%PDF-1.4 " + b"0" * 300_000, "application/pdf"),
    ]
    served = serve_portal(docs)
    yield served
    served.stop()


@pytest.fixture
def fetcher():
    f = Fetcher()
    yield f
    f.close()


def test_plain_fetch_records_validators(portal, fetcher):
    source = make_source(portal.base_url)
    result = fetcher.fetch(portal.base_url + "/ok.html", source)
    assert result.ok and result.status == 200 and result.body == page(REPORT, "utf-8")
    assert result.etag and result.last_modified and result.content_type.startswith("text/html")
    assert result.attempts == 1
    again = fetcher.fetch(portal.base_url + "/ok.html", source, Conditional(result.etag, result.last_modified))
    assert again.not_modified and again.body is None
    sent = [r for r in portal.portal.requests if r.path == "/ok.html"]
    assert sent[-1].if_none_match == result.etag and sent[-1].if_modified_since == result.last_modified
    assert sent[0].user_agent.startswith("xxgk-harvester")


def test_if_modified_since_alone_gives_304(portal, fetcher):
    source = make_source(portal.base_url)
    first = fetcher.fetch(portal.base_url + "/ok.html", source)
    again = fetcher.fetch(portal.base_url + "/ok.html", source, Conditional(None, first.last_modified))
    assert again.not_modified


def test_loopback_refused_unless_allowed(portal, fetcher):
    source = make_source(portal.base_url, allow_private_addresses=False)
    result = fetcher.fetch(portal.base_url + "/ok.html", source)
    assert not result.ok and "loopback" in result.error and result.attempts == 0
    assert portal.portal.requests == []  # not even robots.txt


@pytest.mark.parametrize("host, kind", [
    ("127.0.0.1", "loopback"), ("10.1.2.3", "private"), ("192.168.0.1", "private"), ("172.16.5.4", "private"),
    ("169.254.169.254", "link-local"), ("::1", "loopback"), ("fe80::1", "link-local"), ("0.0.0.0", "private"), ("100.64.0.1", "non-public"),
])
def test_address_policy(host, kind):
    # IP literals resolve locally: nothing is sent anywhere.
    refusal = address_refusal(host, 80, allow_private=False)
    assert refusal and kind in refusal
    assert address_refusal(host, 80, allow_private=True) is None


def test_hosts_outside_allowed_hosts_are_refused_before_any_lookup(portal, fetcher):
    source = make_source(portal.base_url)
    for url in ("http://localhost:%d/ok.html" % int(portal.base_url.rsplit(":", 1)[1]),
                "http://www.example.com/report.html", "file:///etc/passwd", "ftp://127.0.0.1/x"):
        result = fetcher.fetch(url, source)
        assert not result.ok and result.attempts == 0, url
    assert portal.portal.requests == []


def test_500_then_success_is_retried(portal, fetcher):
    portal.portal.set_fault("/ok.html", Fault(status=500, times=2))
    result = fetcher.fetch(portal.base_url + "/ok.html", make_source(portal.base_url))
    assert result.ok and result.attempts == 3


def test_429_honours_retry_after(portal, fetcher):
    portal.portal.set_fault("/ok.html", Fault(status=429, times=1, retry_after="0.3"))
    started = time.monotonic()
    result = fetcher.fetch(portal.base_url + "/ok.html", make_source(portal.base_url, politeness={"backoff_max_s": 1}))
    assert result.ok and result.attempts == 2
    assert time.monotonic() - started >= 0.3


def test_backoff_is_exponential(portal, fetcher):
    portal.portal.set_fault("/ok.html", Fault(status=503))
    source = make_source(portal.base_url, politeness={"retries": 3, "backoff_base_s": 0.05, "backoff_max_s": 1})
    result = fetcher.fetch(portal.base_url + "/ok.html", source)
    assert not result.ok and result.error == "HTTP 503" and result.attempts == 4
    times = [r.at for r in portal.portal.requests if r.path == "/ok.html"]
    gaps = [b - a for a, b in zip(times, times[1:])]
    assert gaps[0] >= 0.05 and gaps[1] >= 0.1 and gaps[2] >= 0.2


def test_404_is_not_retried(portal, fetcher):
    result = fetcher.fetch(portal.base_url + "/missing.html", make_source(portal.base_url))
    assert result.error == "HTTP 404" and result.attempts == 1


def test_slow_body_times_out(portal, fetcher):
    portal.portal.set_fault("/report.pdf", Fault(chunk_delay=0.6, chunk_size=1000))
    result = fetcher.fetch(portal.base_url + "/report.pdf", make_source(portal.base_url, politeness={"retries": 1}))
    assert not result.ok and "timed out" in result.error and result.attempts == 2


def test_slow_body_under_read_timeout_hits_total_deadline(portal, fetcher):
    portal.portal.set_fault("/report.pdf", Fault(chunk_delay=0.1, chunk_size=200))
    source = make_source(portal.base_url, politeness={"retries": 0, "read_timeout_s": 1, "total_timeout_s": 0.5})
    result = fetcher.fetch(portal.base_url + "/report.pdf", source)
    assert not result.ok and "body not complete after 0.5 s" in result.error


def test_slow_headers_time_out(portal, fetcher):
    portal.portal.set_fault("/ok.html", Fault(delay=0.8))
    result = fetcher.fetch(portal.base_url + "/ok.html", make_source(portal.base_url, politeness={"retries": 0}))
    assert not result.ok and "ReadTimeout" in result.error


def test_truncated_body_fails_and_is_not_kept(portal, fetcher):
    portal.portal.set_fault("/report.pdf", Fault(truncate=True))
    result = fetcher.fetch(portal.base_url + "/report.pdf", make_source(portal.base_url))
    assert not result.ok and "truncated body" in result.error and result.body is None and result.attempts == 3


def test_dropped_connection_fails(portal, fetcher):
    portal.portal.set_fault("/ok.html", Fault(drop=True))
    result = fetcher.fetch(portal.base_url + "/ok.html", make_source(portal.base_url, politeness={"retries": 1}))
    assert not result.ok and result.attempts == 2


def test_dead_portal(fetcher):
    dead = closed_port_url()
    result = fetcher.fetch(dead + "/index.html", make_source(dead))
    assert not result.ok  # robots.txt unreachable -> the host is not crawled


def test_size_cap_by_content_length_and_by_stream(portal, fetcher):
    source = make_source(portal.base_url, limits={"max_bytes": 100_000})
    result = fetcher.fetch(portal.base_url + "/big.pdf", source)
    assert not result.ok and "Content-Length 300009 > limit 100000" in result.error and result.attempts == 1
    portal.portal.set_fault("/stream.pdf", Fault(stream_bytes=5_000_000))
    result = fetcher.fetch(portal.base_url + "/stream.pdf", source)
    assert not result.ok and "more than 100000 bytes" in result.error


def test_redirects_followed_loops_detected_limits_kept(portal, fetcher):
    p = portal.portal
    source = make_source(portal.base_url, politeness={"max_redirects": 2})
    p.set_fault("/moved.html", Fault(redirect="/ok.html"))
    result = fetcher.fetch(portal.base_url + "/moved.html", source)
    assert result.ok and result.final_url == portal.base_url + "/ok.html"
    p.set_fault("/a", Fault(redirect="/b"))
    p.set_fault("/b", Fault(redirect=portal.base_url + "/a"))
    result = fetcher.fetch(portal.base_url + "/a", source)
    assert "redirect loop" in result.error
    for i in range(4):
        p.set_fault(f"/r{i}", Fault(redirect=f"/r{i + 1}"))
    result = fetcher.fetch(portal.base_url + "/r0", source)
    assert "more than 2 redirects" in result.error
    p.set_fault("/away", Fault(redirect="http://www.example.com/x"))
    result = fetcher.fetch(portal.base_url + "/away", source)
    assert "leaves allowed_hosts" in result.error
    assert all(r.host == portal.base_url.split("//")[1] for r in p.requests)


def test_robots_disallow_is_honoured(portal, fetcher):
    result = fetcher.fetch(portal.base_url + "/private/x.html", make_source(portal.base_url))
    assert result.disallowed and result.attempts == 0
    assert [r.path for r in portal.portal.requests] == ["/robots.txt"]
    fetcher.fetch(portal.base_url + "/ok.html", make_source(portal.base_url))
    assert [r.path for r in portal.portal.requests].count("/robots.txt") == 1  # fetched once per host


def test_robots_server_error_means_host_not_crawled(fetcher):
    served = serve_portal([("/ok.html", b"<html></html>", "text/html")], faults={"/robots.txt": Fault(status=503)})
    try:
        result = fetcher.fetch(served.base_url + "/ok.html", make_source(served.base_url, politeness={"retries": 0}))
        assert not result.ok and "robots.txt unavailable" in result.error
        assert [r.path for r in served.portal.requests] == ["/robots.txt"]
    finally:
        served.stop()


def test_rate_limit_per_host(portal, fetcher):
    source = make_source(portal.base_url, politeness={"rate_per_host": 20, "concurrency_per_host": 4})
    started = time.monotonic()
    threads = [threading.Thread(target=fetcher.fetch, args=(portal.base_url + "/ok.html", source)) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    # robots.txt + 8 requests at 20/s: at least 8 intervals of 50 ms
    assert time.monotonic() - started >= 0.38
    times = sorted(r.at for r in portal.portal.requests)
    # 50 ms apart on average; one arrival delayed by a busy machine must not fail the test
    assert (times[-1] - times[0]) / (len(times) - 1) >= 0.04


def test_concurrency_cap_per_host(portal, fetcher):
    portal.portal.set_fault("/ok.html", Fault(delay=0.1))
    source = make_source(portal.base_url, politeness={"concurrency_per_host": 2, "read_timeout_s": 2})
    threads = [threading.Thread(target=fetcher.fetch, args=(portal.base_url + "/ok.html", source)) for _ in range(6)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert portal.portal.max_in_flight == 2


@pytest.mark.parametrize("codec, declared, header", [
    ("gbk", "meta", None), ("gb2312", "http-equiv", None), ("gb18030", None, "text/html; charset=GB18030"),
    ("utf-8", None, None), ("gbk", None, None), ("gb2312", None, None), ("utf-8", "meta", "text/html"),
])
def test_pages_decode_in_every_encoding(portal, fetcher, codec, declared, header):
    text = REPORT + "，依申请公开：镕、堃、喆。" * 3 if codec == "gb18030" else REPORT + "，依申请公开。" * 5
    if codec in ("gbk", "gb2312"):
        text = REPORT + "，政府信息公开申请办理情况统计。" * 5
    meta = {"meta": f'<meta charset="{codec}">',
            "http-equiv": f'<meta http-equiv="Content-Type" content="text/html; charset={codec}">'}.get(declared, "")
    portal.portal.put(PortalDocument("/enc.html", page(text, codec, meta), header))
    result = fetcher.fetch(portal.base_url + "/enc.html", make_source(portal.base_url))
    decoded, encoding = decode_html(result.body, result.content_type)
    assert text in decoded, (codec, encoding)


def test_wrong_declaration_falls_back_to_detection():
    body = page(REPORT + "，政府信息公开申请办理情况。" * 4, "gbk", '<meta charset="utf-8">')
    decoded, encoding = decode_html(body, "text/html; charset=utf-8")
    assert REPORT in decoded and encoding == "gb18030"


NAME = "夏县2023年政府信息公开工作年度报告.pdf"


@pytest.mark.parametrize("raw", [
    b'attachment; filename="' + NAME.encode("utf-8") + b'"',
    b'attachment; filename="' + NAME.encode("gbk") + b'"',
    b'attachment; filename="' + NAME.encode("gb18030") + b'"',
    b"attachment; filename=\"x.pdf\"; filename*=UTF-8''%E5%A4%8F%E5%8E%BF2023%E5%B9%B4%E6%94%BF%E5%BA%9C%E4%BF%A1%E6%81%AF%E5%85%AC%E5%BC%80%E5%B7%A5%E4%BD%9C%E5%B9%B4%E5%BA%A6%E6%8A%A5%E5%91%8A.pdf",
    b"attachment; filename*=GBK''" + __import__("urllib.parse").parse.quote(NAME.encode("gbk")).encode(),
    b'attachment; filename=' + __import__("urllib.parse").parse.quote(NAME.encode("utf-8")).encode(),
])
def test_content_disposition_names_over_http(portal, fetcher, raw):
    portal.portal.put(PortalDocument("/dl.pdf", b"%PDF-1.4 x", "application/pdf", ((b"Content-Disposition", raw),)))
    result = fetcher.fetch(portal.base_url + "/dl.pdf", make_source(portal.base_url))
    assert result.ok and result.file_name == NAME


def test_file_names_are_never_paths():
    assert content_disposition_file_name(b'attachment; filename="../../etc/passwd"') == "passwd"
    assert content_disposition_file_name(b'attachment; filename="..\\..\\boot.ini"') == "boot.ini"
    assert content_disposition_file_name(b'attachment; filename=".."') is None
    assert sanitize_file_name("a\x00b\nc.pdf") == "abc.pdf"
    assert content_disposition_file_name(None) is None and content_disposition_file_name(b"inline") is None


class Rebinding:
    """A hostile resolver: a public address the first time, the portal's loopback address after."""

    def __init__(self, name: str, public: str = "93.184.216.34"):
        self.name, self.public, self.calls = name, public, 0
        self.real = socket.getaddrinfo

    def getaddrinfo(self, host, port, *args, **kwargs):
        if host != self.name:
            return self.real(host, port, *args, **kwargs)
        self.calls += 1
        address = self.public if self.calls == 1 else "127.0.0.1"
        return [(socket.AF_INET, socket.SOCK_STREAM, 6, "", (address, port))]


def test_a_rebinding_resolver_never_gets_the_connection_to_the_private_address(portal, monkeypatch):
    port = int(portal.base_url.rsplit(":", 1)[1])
    resolver = Rebinding("rebind.example.gov.cn")
    monkeypatch.setattr(socket, "getaddrinfo", resolver.getaddrinfo)  # what httpx would ask, too
    source = make_source(portal.base_url, [f"http://rebind.example.gov.cn:{port}/"], allowed_hosts=[f"rebind.example.gov.cn:{port}"], allow_private_addresses=False,
                         politeness={"connect_timeout_s": 0.3, "retries": 0})
    fetcher = Fetcher()
    try:
        for _ in range(2):  # robots.txt, then the page: both pinned to the address that was checked
            result = fetcher.fetch(f"http://rebind.example.gov.cn:{port}/ok.html", source)
            assert not result.ok
    finally:
        fetcher.close()
    assert resolver.calls == 1  # resolved once, checked, never asked again
    assert portal.portal.requests == []  # nothing reached the private address


def test_a_pinned_request_keeps_the_host_name_in_the_host_header(portal):
    port = int(portal.base_url.rsplit(":", 1)[1])
    asked = []

    def resolver(host, port_):
        asked.append(host)
        return ["127.0.0.1"]

    source = make_source(portal.base_url, [f"http://portal.example.gov.cn:{port}/"], allowed_hosts=[f"portal.example.gov.cn:{port}"])
    fetcher = Fetcher(resolver=resolver)
    try:
        result = fetcher.fetch(f"http://portal.example.gov.cn:{port}/ok.html", source)
        redirect = fetcher.fetch(f"http://portal.example.gov.cn:{port}/ok.html", make_source(
            portal.base_url, [f"http://portal.example.gov.cn:{port}/"], allowed_hosts=[f"portal.example.gov.cn:{port}"],
            allow_private_addresses=False))
    finally:
        fetcher.close()
    assert result.ok and REPORT.encode() in result.body
    assert asked == ["portal.example.gov.cn", "portal.example.gov.cn"]  # once per address policy
    assert {r.host for r in portal.portal.requests} == {f"portal.example.gov.cn:{port}"}
    assert not redirect.ok and "loopback" in redirect.error


def test_a_redirect_is_resolved_checked_and_pinned_like_the_first_request(portal):
    port = int(portal.base_url.rsplit(":", 1)[1])
    portal.portal.set_fault("/away", Fault(redirect=f"http://inside.example.gov.cn:{port}/ok.html"))
    asked = []

    def resolver(host, _port):
        asked.append(host)
        return ["127.0.0.1"]

    hosts = [f"portal.example.gov.cn:{port}", f"inside.example.gov.cn:{port}"]
    source = make_source(portal.base_url, [f"http://portal.example.gov.cn:{port}/"], allowed_hosts=hosts)
    fetcher = Fetcher(resolver=resolver)
    try:
        result = fetcher.fetch(f"http://portal.example.gov.cn:{port}/away", source)
    finally:
        fetcher.close()
    assert result.ok and result.final_url == f"http://inside.example.gov.cn:{port}/ok.html"
    assert asked == ["portal.example.gov.cn", "inside.example.gov.cn"]
    assert [(r.host, r.path) for r in portal.portal.requests if r.path != "/robots.txt"] == [
        (f"portal.example.gov.cn:{port}", "/away"), (f"inside.example.gov.cn:{port}", "/ok.html")]


def _authority_and_server_cert(tmp_path, name: str):
    """A throw-away certificate authority and a certificate for `name` signed by it (PEM files)."""
    import datetime

    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    now = datetime.datetime.now(datetime.timezone.utc)
    ca_key, key = ec.generate_private_key(ec.SECP256R1()), ec.generate_private_key(ec.SECP256R1())
    ca_name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "xxgk test authority")])
    ca = (x509.CertificateBuilder().subject_name(ca_name).issuer_name(ca_name).public_key(ca_key.public_key())
          .serial_number(1).not_valid_before(now - datetime.timedelta(hours=1)).not_valid_after(now + datetime.timedelta(days=1))
          .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True).sign(ca_key, hashes.SHA256()))
    cert = (x509.CertificateBuilder().subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, name)]))
            .issuer_name(ca_name).public_key(key.public_key()).serial_number(2)
            .not_valid_before(now - datetime.timedelta(hours=1)).not_valid_after(now + datetime.timedelta(days=1))
            .add_extension(x509.SubjectAlternativeName([x509.DNSName(name)]), critical=False).sign(ca_key, hashes.SHA256()))
    (tmp_path / "ca.pem").write_bytes(ca.public_bytes(serialization.Encoding.PEM))
    (tmp_path / "cert.pem").write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    (tmp_path / "key.pem").write_bytes(key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                                         serialization.NoEncryption()))
    return tmp_path / "ca.pem", tmp_path / "cert.pem", tmp_path / "key.pem"


def test_over_tls_the_pinned_connection_checks_the_certificate_of_the_host_name(tmp_path):
    import ssl

    from xxgk.portal import Portal

    ca, cert, key = _authority_and_server_cert(tmp_path, "portal.example.gov.cn")
    portal = Portal([PortalDocument("/ok.html", page(REPORT, "utf-8"), "text/html; charset=utf-8")])
    server_context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    server_context.load_cert_chain(cert, key)
    portal._server.socket = server_context.wrap_socket(portal._server.socket, server_side=True)
    portal.start()
    port = int(portal.base_url.rsplit(":", 1)[1])
    hosts = [f"portal.example.gov.cn:{port}", f"other.example.gov.cn:{port}"]
    source = make_source(portal.base_url, [f"https://portal.example.gov.cn:{port}/"], allowed_hosts=hosts)
    fetcher = Fetcher(resolver=lambda host, _port: ["127.0.0.1"], verify=ssl.create_default_context(cafile=str(ca)))
    try:
        good = fetcher.fetch(f"https://portal.example.gov.cn:{port}/ok.html", source)
        other = fetcher.fetch(f"https://other.example.gov.cn:{port}/ok.html", source)  # same address, not its certificate
    finally:
        fetcher.close()
        portal.stop()
    assert good.ok and REPORT.encode() in good.body, good.error
    assert not other.ok and "certificate" in (other.error or "").lower(), other.error
    assert {r.host for r in portal.requests if r.path == "/ok.html"} == {f"portal.example.gov.cn:{port}"}
