"""Harvest benchmark: 2,000 documents from the local demo portal, cold, then a run with nothing changed.

    .venv/bin/python benchmarks/harvest_bench.py [--reports 1000] [--concurrency 8] [--check]

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

from extract.harvest.registry import parse_registry  # noqa: E402
from extract.harvest.run import harvest  # noqa: E402

COLD_TARGET = 100.0  # documents/s
NOOP_TARGET = 30.0  # seconds


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--reports", type=int, default=1000, help="reports (each a page + an attachment)")
    parser.add_argument("--concurrency", type=int, default=8, help="requests in flight to the portal")
    parser.add_argument("--check", action="store_true", help="exit 1 when a target is missed")
    args = parser.parse_args()

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
    ok = (cold_rate >= COLD_TARGET and noop.seconds < NOOP_TARGET and cold.documents("failed") == 0
          and noop.documents("new", "changed", "failed") == 0 and docs > 2 * args.reports)
    print("targets met" if ok else "TARGETS MISSED")
    return 0 if ok or not args.check else 1


if __name__ == "__main__":
    raise SystemExit(main())
