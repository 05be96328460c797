"""Harvest benchmark: 2,000 documents from the local demo portal, cold, then a run with nothing changed;
and a discovery over a county portal of 30 agencies (xxgk/portal/county.py), at the default
politeness (1 request/s, 2 at once) and with politeness off.

    .venv/bin/python benchmarks/harvest_bench.py [--reports 1000] [--concurrency 8] [--check]
    .venv/bin/python benchmarks/harvest_bench.py --discovery-only [--no-polite]   # the discovery part alone

The portal runs in its own process (so it does not share the harvester's GIL) on 127.0.0.1, an
ephemeral port; each generated report is a page plus one attachment, so 1,000 reports = 2,000
documents. Politeness is off (no rate limit). Targets: cold >= 100 documents/s; no-op run < 30 s.
With --check the exit code is 1 when a target is missed.
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from extract.harvest.fetch import Fetcher  # noqa: E402
from extract.harvest.registry import parse_registry  # noqa: E402
from extract.harvest.run import harvest  # noqa: E402
from extract.harvest.sitewalk import walk  # noqa: E402
from xxgk.portal.county import county_plan, serve_county  # noqa: E402

COLD_TARGET = 100.0  # documents/s
NOOP_TARGET = 30.0  # seconds


def discovery(polite: bool) -> bool:
    """Walk a county of 30 agencies (the government, 21 departments, 8 townships) from its root."""
    served, site = serve_county(county_plan(departments=21, townships=8), slow_delay=0)
    try:
        host = served.base_url.removeprefix("http://")
        source = parse_registry({"sources": [{
            "id": "bench-county", "region_code": "140828", "name": "夏县（基准测试，生成数据）",
            "discover_from": [f"{served.base_url}/index.html"], "allowed_hosts": [host], "allow_private_addresses": True,
            "politeness": {} if polite else {"rate_per_host": 0, "concurrency_per_host": 8},
        }]}).sources[0]
        fetcher = Fetcher()
        started = time.monotonic()
        report = walk(source, fetcher)
        seconds = time.monotonic() - started
        fetcher.close()
    finally:
        served.stop()
    found = {c.url.removeprefix(served.base_url): c.agency for c in report.columns}
    right = sum(found.get(path) == agency for agency, path in site.columns.items())
    label = "default politeness (1 request/s, 2 at once)" if polite else "politeness off"
    print(f"discovery, 30 agencies, {label}: {report.pages} pages in {seconds:.1f} s "
          f"({report.pages / seconds:.1f} pages/s); {right} of {len(site.columns)} columns found and attributed right")
    return right == len(site.columns)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--reports", type=int, default=1000, help="reports (each a page + an attachment)")
    parser.add_argument("--concurrency", type=int, default=8, help="requests in flight to the portal")
    parser.add_argument("--check", action="store_true", help="exit 1 when a target is missed")
    parser.add_argument("--discovery-only", action="store_true", help="only the county discovery")
    parser.add_argument("--no-polite", action="store_true", help="discovery with politeness off only (quick)")
    args = parser.parse_args()
    discovered = discovery(polite=False) and (args.no_polite or discovery(polite=True))
    if args.discovery_only:
        return 0 if discovered or not args.check else 1

    portal = subprocess.Popen(
        [sys.executable, "-m", "xxgk.portal", "--demo", "--port", "0", "--reports", str(args.reports),
         "--page-size", "20", "--no-faults"],
        cwd=REPO, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True,
    )
    try:
        base = portal.stdout.readline().strip()
        if not base.startswith("http://127.0.0.1:"):
            print("the portal did not start", file=sys.stderr)
            return 2
        source = parse_registry({"sources": [{
            "id": "bench", "region_code": "140828", "name": "演示县（基准测试，生成数据）",
            "start_urls": [f"{base}/xxgk/xxgknb/index.html", f"{base}/ndbg/index.html", f"{base}/xxgk/zfxxgknb/index.html"],
            "allowed_hosts": ["127.0.0.1"], "allow_private_addresses": True,
            "limits": {"max_list_pages": 1000, "max_entries": 100_000, "max_documents": 100_000},
            "politeness": {"rate_per_host": 0, "concurrency_per_host": args.concurrency},
        }]}).sources[0]
        with tempfile.TemporaryDirectory(prefix="xxgk-bench-") as data:
            cold = harvest([source], data)
            docs = cold.documents("new")  # documents + listing pages
            noop = harvest([source], data)
    finally:
        portal.terminate()
        portal.wait(timeout=10)

    cold_rate = 2 * args.reports / cold.seconds
    print(f"documents: {2 * args.reports} (+ {docs - 2 * args.reports} listing pages); fetches cold: {cold.fetched}")
    print(f"cold run:  {cold.seconds:.2f} s, {cold_rate:.0f} documents/s (target >= {COLD_TARGET:.0f}); "
          f"failed {cold.documents('failed')}")
    print(f"no-op run: {noop.seconds:.2f} s (target < {NOOP_TARGET:.0f} s); "
          f"unchanged {noop.documents('unchanged')}, new/changed/failed {noop.documents('new', 'changed', 'failed')}")
    ok = (discovered and cold_rate >= COLD_TARGET and noop.seconds < NOOP_TARGET and cold.documents("failed") == 0
          and noop.documents("new", "changed", "failed") == 0 and docs > 2 * args.reports)
    print("targets met" if ok else "TARGETS MISSED")
    return 0 if ok or not args.check else 1


if __name__ == "__main__":
    raise SystemExit(main())
