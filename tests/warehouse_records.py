"""Extraction records built from generated figures, for the warehouse tests."""

from __future__ import annotations

import hashlib

from xxgk.generate.figures import make_figures


def template_of(year: int) -> str:
    return "2019" if year <= 2020 else "2021"


def record(agency: str, year: int, seed: int = 0, status: str = "ok", values: dict | None = None,
           issues: list | None = None, doc: str | None = None) -> dict:
    t = template_of(year)
    ident = doc or f"{agency}/{year}/{seed}"
    return {
        "path": f"{ident}.html", "sha256": hashlib.sha256(ident.encode()).hexdigest(), "format": "html",
        "agency": agency, "year": year, "template": t, "status": status,
        "values": values if values is not None else make_figures(seed or int(hashlib.sha256(ident.encode()).hexdigest()[:6], 16), t),
        "issues": issues or [], "error": None,
    }


def failed(doc: str) -> dict:
    return {"path": doc, "sha256": hashlib.sha256(doc.encode()).hexdigest(), "format": "pdf", "agency": None,
            "year": None, "template": None, "status": "failed", "values": {}, "issues": [],
            "error": "scanned PDF without a text layer"}
