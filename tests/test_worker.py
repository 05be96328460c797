"""The nightly job's guarded extraction: a document that hangs or exhausts memory becomes one
failed record, and the next document is read by a fresh child."""

from __future__ import annotations

import zlib

import pytest

from xxgk.generate import make_spec, render
from xxgk.worker import GuardedExtractor


@pytest.fixture(scope="module")
def good(tmp_path_factory):
    path = tmp_path_factory.mktemp("docs") / "report.html"
    path.write_bytes(render(make_spec(seed=2, template="2021"), "html"))
    return path


def _pdf_bomb(path, gigabytes: float = 1.0) -> None:
    """A one-page PDF whose content stream inflates to `gigabytes` of zeros (about 1 MB on disk)."""
    packer = zlib.compressobj(9)
    block = bytes(1 << 20)
    stream = b"".join(packer.compress(block) for _ in range(int(gigabytes * 1024))) + packer.flush()
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Contents 4 0 R >>",
        b"<< /Length %d /Filter /FlateDecode >>\nstream\n" % len(stream) + stream + b"\nendstream",
    ]
    out = bytearray(b"%PDF-1.4\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % number + body + b"\nendobj\n"
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    out += b"".join(b"%010d 00000 n \n" % o for o in offsets)
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (len(objects) + 1, xref)
    path.write_bytes(bytes(out))


def test_a_document_past_the_time_limit_is_failed_and_the_next_is_read(good):
    with GuardedExtractor(timeout_s=0.01) as slow:
        record = slow.extract(good)
    assert record["status"] == "failed" and "longer than" in record["error"] and record["sha256"]
    with GuardedExtractor(timeout_s=60) as extractor:
        assert extractor.extract(good)["status"] == "ok"


def test_a_decompression_bomb_is_failed_within_the_memory_cap(good, tmp_path):
    bomb = tmp_path / "bomb.pdf"
    _pdf_bomb(bomb)
    with GuardedExtractor(timeout_s=120, memory_mb=768) as extractor:
        record = extractor.extract(bomb)
        assert record["status"] == "failed" and record["error"]
        assert extractor.extract(good)["status"] == "ok"  # the run goes on
