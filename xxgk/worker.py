"""Extraction in a child process with a time limit and a memory cap, for the nightly job: a
document that hangs a reader or exhausts memory costs one `failed` record, never the run.

The child (`python -m xxgk.worker MEMORY_MB`) reads one job per line on stdin (a file path, and
for an HTML page the pictures it shows as files: `PictureFiles`) and answers with one extraction
record per line on stdout. The parent (`GuardedExtractor`) waits for each
answer up to its time limit; past it, or when the child dies, it records the document as failed
and starts a new child for the next one.
"""

from __future__ import annotations

import json
import os
import resource
import select
import subprocess
import sys
from dataclasses import dataclass, field
from typing import Any

from xxgk.extraction import failed_record

DEFAULT_TIMEOUT_S = 300.0
DEFAULT_MEMORY_MB = 3072


class GuardedExtractor:
    def __init__(self, timeout_s: float = DEFAULT_TIMEOUT_S, memory_mb: int = DEFAULT_MEMORY_MB):
        self.timeout_s = timeout_s
        self.memory_mb = memory_mb
        self._child: subprocess.Popen | None = None

    def __enter__(self) -> "GuardedExtractor":
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def extract(self, path: str | os.PathLike, provenance: bool = False,
                pictures: "PictureFiles | None" = None, saved_pictures: bool = False) -> dict[str, Any]:
        """`pictures`: a harvested page's; `saved_pictures`: a page saved to disk is read with the
        pictures beside it (`xxgk extract`, never the nightly job: its store holds only blobs)."""
        child = self._child or self._start()
        job = {"path": str(path), "provenance": provenance, "saved_pictures": saved_pictures}
        if pictures is not None:
            job["pictures"] = {"page_url": pictures.page_url, "files": pictures.files, "failed": pictures.failed}
        try:
            child.stdin.write(json.dumps(job) + "\n")
            child.stdin.flush()
        except (BrokenPipeError, OSError):
            self._stop()
            return self.extract(path, provenance, pictures, saved_pictures)  # the child had died after its last answer: once more, fresh
        ready, _, _ = select.select([child.stdout], [], [], self.timeout_s)
        if not ready:
            self._stop()
            return failed_record(path, f"reading took longer than {self.timeout_s:.0f} s; the document was skipped")
        line = child.stdout.readline()
        if not line:
            self._stop()
            return failed_record(path, f"the reader crashed or needed more than {self.memory_mb} MB of memory")
        return json.loads(line)

    def close(self) -> None:
        if self._child is not None:
            try:
                self._child.stdin.close()
                self._child.wait(timeout=5)
            except (OSError, subprocess.TimeoutExpired):
                self._child.kill()
            self._child = None

    def _start(self) -> subprocess.Popen:
        self._child = subprocess.Popen(
            [sys.executable, "-m", "xxgk.worker", str(self.memory_mb)],
            stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True, encoding="utf-8",
        )
        return self._child

    def _stop(self) -> None:
        if self._child is not None:
            self._child.kill()
            self._child.wait()
            self._child = None


@dataclass(frozen=True)
class PictureFiles:
    """The pictures an HTML page shows as files, as the harvest stored them: picture URL → path of
    its stored file, and picture URL → why it could not be fetched. The child reads the files."""

    page_url: str
    files: dict[str, str] = field(default_factory=dict)
    failed: dict[str, str] = field(default_factory=dict)

    @classmethod
    def in_store(cls, store, pictures: dict | None) -> "PictureFiles | None":
        """The files of a page's pictures as the nightly lists them ({"page_url", "files": {picture
        URL: sha256}, "failed"}; flows/nightly.page_pictures) in the raw store."""
        if pictures is None:
            return None
        files = {url: str(store.path(sha)) for url, sha in pictures["files"].items()}
        return cls(pictures["page_url"], files, dict(pictures["failed"]))


def read_pictures(job: dict | None):
    """A `PictureFiles` (as a dict) read into the reader's input (a missing or oversized file is a
    failed picture)."""
    if job is None:
        return None
    from extract import DEFAULT_LIMITS, PagePictures

    files, failed = {}, dict(job.get("failed") or {})
    for url, path in (job.get("files") or {}).items():
        try:
            if os.path.getsize(path) > DEFAULT_LIMITS.max_file_bytes:
                failed[url] = f"larger than {DEFAULT_LIMITS.max_file_bytes // 2**20} MB"
                continue
            with open(path, "rb") as handle:
                files[url] = handle.read()
        except OSError:
            failed[url] = "its harvested file is missing from the raw store"
    return PagePictures(job["page_url"], files, failed)


def _serve(memory_mb: int) -> None:
    limit = memory_mb * 2**20
    resource.setrlimit(resource.RLIMIT_AS, (limit, limit))
    from xxgk.extraction import extract_path

    for line in sys.stdin:
        job = json.loads(line)
        record = extract_path(job["path"], provenance=job.get("provenance", False),
                              pictures=read_pictures(job.get("pictures")), saved_pictures=job.get("saved_pictures", False))
        sys.stdout.write(json.dumps(record, ensure_ascii=False) + "\n")
        sys.stdout.flush()


if __name__ == "__main__":
    _serve(int(sys.argv[1]) if len(sys.argv) > 1 else DEFAULT_MEMORY_MB)
