"""Listing readers: one module per way a portal lists a column's entries, all behind one interface.

Each reader module defines

    NAME: str
    read(text: str, page_url: str, rules: Rules) -> list[Link]

returning the entries, attachments and further listing pages it recognises in one listing response
(an HTML page, a data-proxy XML answer, a JSON document), and [] for a response it does not
recognise. `read_listing` asks every reader and merges what they found. A new portal type is one new
module added to `READERS`.
"""

from __future__ import annotations

from dataclasses import dataclass

from extract.harvest.discover import Link
from extract.harvest.listings import hanweb, jsonlist, links
from extract.harvest.registry import Rules

READERS = (links, hanweb, jsonlist)


@dataclass(frozen=True, slots=True)
class Listing:
    links: list[Link]
    readers: tuple[str, ...]  # the readers that found something

    @property
    def entries(self) -> list[Link]:
        return [link for link in self.links if link.kind != "listing"]


def read_listing(text: str, page_url: str, rules: Rules) -> Listing:
    found: dict[str, Link] = {}
    readers = []
    for reader in READERS:
        links_found = reader.read(text, page_url, rules)
        if any(link.kind != "listing" for link in links_found) or (reader is not links and links_found):
            readers.append(reader.NAME)
        for link in links_found:
            if link.url != page_url:
                found.setdefault(link.url, link)
    return Listing(list(found.values()), tuple(readers))
