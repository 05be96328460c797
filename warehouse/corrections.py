"""Reviewers' decisions, kept in the data folder so that they survive re-harvest, re-extraction and
rebuilds of the warehouse.

`DIR/corrections.jsonl` (appended by `xxgk review`; one JSON object a line; may be edited by hand) and,
optionally, `DIR/corrections.yaml` (a hand-written list of the same objects). Actions:

- `figure`: {"action": "figure", "sha256" | ("agency", "year"[, "region"]), "key", "value", "note"}
  a corrected figure; `value: null` records that the figure is not printed.
- `confirm`: {"action": "confirm", "sha256" | ("agency", "year"[, "region"]), "note"}
  a flagged report was checked and its figures stand as printed.
- `agency`: {"action": "agency", "agency": NAME, "region"?, "kind"?, "is_summary"?, "note"}
  places an agency, sets its kind, or says whether its report is the county-wide summary.
- `undo`: {"action": "undo", "undoes": ID, "note"} withdraws the earlier decision with that id (it
  stays in the file, so the history keeps it; `read_corrections` leaves both out).

A correction names its report by document (sha256) or by agency and year (then it applies to the
current version, so it follows a re-publication). Later entries win over earlier ones for the same
report and key. Appends take `DIR/.corrections.lock` (flock) and stamp the time inside it, so two
reviewers deciding at once both keep their decision and the file's order is the order of `at`.
"""

from __future__ import annotations

import fcntl
import json
import os
import uuid
from datetime import datetime, timezone
from pathlib import Path
from typing import Any, Iterable

import yaml

from transform.template import all_keys
from warehouse.agencies import KINDS, Override, normalize_name

JSONL = "corrections.jsonl"
YAML = "corrections.yaml"
LOCK = ".corrections.lock"
ACTIONS = ("figure", "confirm", "agency", "undo")


class CorrectionError(ValueError):
    pass


def validate(entry: dict[str, Any]) -> dict[str, Any]:
    e = dict(entry)
    action = e.get("action")
    if action not in ACTIONS:
        raise CorrectionError(f"action must be one of {', '.join(ACTIONS)}, not {action!r}")
    if action in ("figure", "confirm"):
        if not e.get("sha256") and not (e.get("agency") and e.get("year")):
            raise CorrectionError("name the report by sha256, or by agency and year")
        if e.get("year") is not None:
            e["year"] = int(e["year"])
    if action == "figure":
        if e.get("key") not in all_keys():
            raise CorrectionError(f"unknown key {e.get('key')!r} (see transform/metrics.csv)")
        if e.get("value") is not None:
            e["value"] = float(e["value"])
        elif "value" not in e:
            raise CorrectionError("a figure correction needs a value (null for 'not printed')")
    if action == "agency":
        if not e.get("agency"):
            raise CorrectionError("an agency decision needs the agency's name")
        if e.get("kind") is not None and e["kind"] not in KINDS:
            raise CorrectionError(f"kind must be one of {', '.join(KINDS)}")
        if not any(e.get(k) is not None for k in ("region", "kind", "is_summary")):
            raise CorrectionError("an agency decision sets region, kind or is_summary")
    if action == "undo" and not e.get("undoes"):
        raise CorrectionError("an undo names the decision it withdraws (undoes: ID)")
    if e.get("agency"):
        e["agency"] = normalize_name(e["agency"])
    e.setdefault("id", uuid.uuid4().hex[:12])
    # Microseconds: decisions recorded within one second still order (the later one wins).
    e.setdefault("at", datetime.now(timezone.utc).isoformat(timespec="microseconds"))
    return e


def read_corrections(data_dir: str | os.PathLike) -> list[dict[str, Any]]:
    """The decisions in force in the data folder, in the order recorded (withdrawn ones left out)."""
    return without_undone(decision_history(data_dir))


def without_undone(entries: Iterable[dict[str, Any]]) -> list[dict[str, Any]]:
    entries = list(entries)
    undone = {e["undoes"] for e in entries if e["action"] == "undo"}
    return [e for e in entries if e["action"] != "undo" and e["id"] not in undone]


def decision_history(data_dir: str | os.PathLike) -> list[dict[str, Any]]:
    """Every decision in the data folder, undos included, in the order recorded (YAML file first,
    then JSONL)."""
    d = Path(data_dir)
    out: list[dict[str, Any]] = []
    y = d / YAML
    if y.exists():
        for i, e in enumerate(yaml.safe_load(y.read_text(encoding="utf-8")) or []):
            e = dict(e)
            e.setdefault("id", f"yaml-{i + 1}")
            e.setdefault("at", "1970-01-01T00:00:00+00:00")
            out.append(validate(e))
    j = d / JSONL
    if j.exists():
        for n, line in enumerate(j.read_text(encoding="utf-8").splitlines(), 1):
            if line.strip():
                try:
                    out.append(validate(json.loads(line)))
                except (ValueError, CorrectionError) as exc:
                    raise CorrectionError(f"{j.name} line {n}: {exc}") from None
    return out


def add_correction(data_dir: str | os.PathLike, entry: dict[str, Any]) -> dict[str, Any]:
    """Validate one decision and append it to DIR/corrections.jsonl; returns it as stored."""
    validate(entry)  # a bad decision fails before it waits for the lock
    path = Path(data_dir) / JSONL
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path.parent / LOCK, "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        e = validate(entry)  # stamped inside the lock: file order = time order
        with path.open("a", encoding="utf-8") as fh:
            fh.write(json.dumps(e, ensure_ascii=False) + "\n")
            fh.flush()
            os.fsync(fh.fileno())
    return e


def agency_overrides(entries: Iterable[dict[str, Any]]) -> dict[str, Override]:
    """Agency decisions by printed name; later decisions add to (and win over) earlier ones."""
    out: dict[str, Override] = {}
    for e in entries:
        if e["action"] != "agency":
            continue
        prev = out.get(e["agency"], Override(e["agency"]))
        out[e["agency"]] = Override(
            e["agency"],
            region=e.get("region") or prev.region,
            kind=e.get("kind") or prev.kind,
            is_summary=e["is_summary"] if e.get("is_summary") is not None else prev.is_summary,
            note=e.get("note") or prev.note,
        )
    return out
