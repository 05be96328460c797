"""Plain HTML listings: entry links, `index_N.html` pagination, TRS `createPageHTML` (see discover.py)."""

from __future__ import annotations

from extract.harvest.discover import Link, discover_listing
from extract.harvest.registry import Rules

NAME = "links"


def read(text: str, page_url: str, rules: Rules) -> list[Link]:
    head = text.lstrip()[:64].lower()
    if head.startswith(("{", "[", "<?xml", "<datastore")):
        return []  # data answers are for the other readers
    return discover_listing(text, page_url, rules)
