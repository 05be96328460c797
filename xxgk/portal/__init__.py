"""A fake county portal for tests, the benchmark and the demo (127.0.0.1, an ephemeral port by default)."""

from __future__ import annotations

from xxgk.portal.county import AgencyPlan, CountySite, county_plan, county_site, serve_county, serve_site
from xxgk.portal.demo import Attachment, Report, build_site, demo_reports, demo_site, placeholder
from xxgk.portal.server import (
    Fault, Portal, PortalDocument, RequestRecord, ServedPortal, closed_port_url, serve_portal,
)


def serve_demo(reports: int = 12, faults: bool = False, foreign_url: str | None = None, page_size: int = 10,
               host: str = "127.0.0.1", port: int = 0) -> ServedPortal:
    """Serve the generated demo portal (and, with `faults`, its column of faults)."""
    portal = Portal((), None, host, port)
    documents, fault_map = demo_site(portal.base_url, reports, faults, foreign_url, page_size)
    for document in documents:
        portal.put(document)
    for path, fault in fault_map.items():
        portal.set_fault(path, fault)
    return ServedPortal(portal.start(), portal.stop, portal)


__all__ = [
    "AgencyPlan", "CountySite", "county_plan", "county_site", "serve_county", "serve_site",
    "Attachment", "Fault", "Portal", "PortalDocument", "Report", "RequestRecord", "ServedPortal",
    "build_site", "closed_port_url", "demo_reports", "demo_site", "placeholder", "serve_demo", "serve_portal",
]
