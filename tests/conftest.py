"""Shared test fixtures: where the shared corpus lives (skipped where it is absent)."""

from __future__ import annotations

import json
import os
import tempfile
from pathlib import Path

# Prefect flows in tests run on an ephemeral local server whose state lives in a throw-away home;
# set before anything imports prefect (its settings are read once).
os.environ.setdefault("PREFECT_HOME", tempfile.mkdtemp(prefix="xxgk-test-prefect-"))
os.environ.setdefault("PREFECT_LOGGING_LEVEL", "WARNING")
os.environ.setdefault("PREFECT_SERVER_ANALYTICS_ENABLED", "false")
os.environ.setdefault("DO_NOT_TRACK", "1")
# On a busy machine the ephemeral server takes longer than Prefect's 20 s to answer.
os.environ.setdefault("PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS", "120")

import pytest

REPO = Path(__file__).resolve().parent.parent
SHARED = REPO.parent / "shared"
CORPUS = SHARED / "corpus"


def corpus_documents() -> list[Path]:
    if not CORPUS.is_dir():
        return []
    return sorted(p for p in CORPUS.rglob("*") if p.is_file() and not p.name.endswith(".json"))


def truth_of(document: Path) -> dict:
    return json.loads(document.with_name(document.stem + ".truth.json").read_text(encoding="utf-8"))


def corpus_document(name: str) -> Path:
    """A named document of the shared corpus; skips the test where ../shared is absent."""
    matches = [p for p in corpus_documents() if p.name == name]
    if not matches:
        pytest.skip(f"shared corpus document {name} not available on this machine")
    return matches[0]
