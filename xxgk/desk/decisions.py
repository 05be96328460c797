"""A reviewer's decision from a desk form: checked, recorded and republished through the same code as
`xxgk review` (warehouse.corrections.add_correction, warehouse.publish.republish).

Recording takes the corrections file's lock only (milliseconds), so two reviewers never lose a decision.
Republishing takes the warehouse's lock, which the nightly load may hold for minutes: it runs in one
background thread, and a form waits for it only a few seconds before the page says the decision is
recorded and will show once the current publish ends (the nightly load applies it too).
"""

from __future__ import annotations

import math
import os
import threading
from pathlib import Path
from typing import Any

from warehouse.corrections import CorrectionError, add_correction
from warehouse.publish import republish

WAIT_SECONDS = 8.0


class BadDecision(ValueError):
    """A decision that cannot be recorded (the message is shown on the page; nothing changes)."""


def parse_value(text: str | None) -> float | None:
    """A figure as a clerk types it: '12', '12.5', '1,234', '１２' (full-width); '' is an error,
    '-' or '无' records that the figure is not printed."""
    raw = (text or "").strip()
    if raw in ("-", "—", "无", "null"):
        return None
    normal = raw.translate(str.maketrans("０１２３４５６７８９．，－", "0123456789.,-")).replace(",", "")
    try:
        value = float(normal)
    except ValueError:
        raise BadDecision(f"“{raw}”不是数字：请填写数字（如 12 或 3.5），未印数字填“-”") from None
    if not math.isfinite(value) or value < 0:
        raise BadDecision(f"“{raw}”不是有效的数字（须为非负数）")
    return value


class Publisher:
    """Republishes the warehouse after decisions, one publish at a time, in a background thread."""

    def __init__(self, data_dir: str | os.PathLike):
        self.data_dir = Path(data_dir)
        self._cond = threading.Condition()
        self._requested = 0  # decisions recorded
        self._published = 0  # decisions a finished publish has applied
        self._error: str | None = None
        self.wait_seconds = WAIT_SECONDS
        self._thread = threading.Thread(target=self._run, name="desk-publisher", daemon=True)
        self._thread.start()

    def record(self, entry: dict[str, Any]) -> tuple[dict[str, Any], bool]:
        """Append the decision, ask for a publish, wait a little for it: (stored entry, published?)."""
        try:
            stored = add_correction(self.data_dir, entry)
        except CorrectionError as exc:
            raise BadDecision(str(exc)) from None
        with self._cond:
            self._requested += 1
            ticket = self._requested
            self._cond.notify_all()
            done = self._cond.wait_for(lambda: self._published >= ticket, timeout=self.wait_seconds)
        return stored, done

    @property
    def error(self) -> str | None:
        return self._error

    def _run(self) -> None:
        while True:
            with self._cond:
                self._cond.wait_for(lambda: self._requested > self._published)
                target = self._requested
            try:
                republish(self.data_dir)
                self._error = None
            except Exception as exc:  # the decision stays recorded; the next publish applies it
                self._error = " ".join(str(exc).split())[:200]
            with self._cond:
                self._published = target
                self._cond.notify_all()
