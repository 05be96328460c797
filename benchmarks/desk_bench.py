"""Review desk benchmark: the county page and a report page with its PDF page image, over a warehouse
of 100,000 reports.

    python benchmarks/desk_bench.py [--reports 100000] [--data DIR] [--repeat 20]

The warehouse is built as benchmarks/warehouse_bench.py builds one (figures from a pool, no document
rendered), plus one county with 60 agencies in 2022 and 2023, a few of them flagged, one of them a
rendered PDF that prints a wrong table 四 total. Pages are requested through the desk's ASGI app in
this process (Starlette's test client: routing, security middleware, queries, templates; no network).

Targets: county page < 200 ms; report page with its page image < 300 ms cached, < 1 s the first time
(where each figure was printed comes from the nightly's extraction record, as the nightly writes it;
the page is rendered and boxed). Also printed: the first time without that record (the PDF read again). Prints median and max
times; exits 1 when a target is missed.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import shutil
import statistics
import sys
import tempfile
import time
import warnings
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from warehouse_bench import plan  # noqa: E402

from warehouse.load import load_records  # noqa: E402
from warehouse.publish import publishing  # noqa: E402
from xxgk.extraction import EXTRACTOR_VERSION, extract_path  # noqa: E402
from xxgk.generate import render  # noqa: E402
from xxgk.generate.figures import break_rule, make_figures  # noqa: E402
from xxgk.generate.spec import ReportSpec  # noqa: E402

COUNTY, NAME = "140828", "夏县"
BIG_COUNTY_AGENCIES = 60


def build(data: Path, n_reports: int, batch: int = 20_000) -> str:
    """The warehouse in `data`; returns the sha256 of the flagged PDF report."""
    pool = {t: [make_figures(s, t) for s in range(200)] for t in ("2019", "2021")}
    work = [w for w in plan(n_reports - 2 * BIG_COUNTY_AGENCIES) if w[0] != COUNTY]
    work += [(COUNTY, f"{NAME}第{i:02d}局", year) for year in (2022, 2023) for i in range(1, BIG_COUNTY_AGENCIES + 1)]
    pdf = data / "raw" / "flagged.pdf"
    pdf.parent.mkdir(parents=True, exist_ok=True)
    figures = make_figures(7, "2021")
    break_rule(figures, 4, seed=7)
    pdf.write_bytes(render(ReportSpec(f"{NAME}第01局", 2023, "2021", figures, seed=7, region_code=COUNTY), "pdf", ruled=True))
    flagged = extract_path(pdf, provenance=True)
    nightly = data / "extracted" / EXTRACTOR_VERSION / f"{flagged['sha256']}.json"  # as the nightly keeps it
    nightly.parent.mkdir(parents=True, exist_ok=True)
    nightly.write_text(json.dumps(flagged, ensure_ascii=False), encoding="utf-8")

    def records(chunk, offset):
        for j, (county, name, year) in enumerate(chunk):
            n = offset + j
            t = "2019" if year <= 2020 else "2021"
            if (county, name, year) == (COUNTY, f"{NAME}第01局", 2023):
                yield flagged
                continue
            status = "flagged" if county == COUNTY and n % 9 == 0 else "ok"
            issues = [{"code": "extractor.cells_ambiguous", "message": "bench", "keys": ["t3.new.natural"]}] \
                if status == "flagged" else []
            yield {"path": f"bench/{n}.html", "sha256": f"{n:064x}", "format": "html", "agency": name, "year": year,
                   "template": t, "status": status, "values": pool[t][n % 200], "issues": issues, "error": None}

    with publishing(data, rebuild=True) as con:
        for offset in range(0, len(work), batch):
            chunk = work[offset: offset + batch]
            docs = {f"{offset + j:064x}": {"region_code": c, "source_id": f"bench-{c}"} for j, (c, _, _) in enumerate(chunk)}
            docs[flagged["sha256"]] = {"region_code": COUNTY, "path": str(pdf), "source_id": "bench-pdf"}
            t0 = time.perf_counter()
            load_records(con, records(chunk, offset), documents=docs)
            print(f"  loaded {offset + len(chunk):>7} reports ({len(chunk) / (time.perf_counter() - t0):,.0f}/s)")
    return flagged["sha256"]


def _first_without_record(data: Path, sha: str, rid: int, report_with_image) -> float:
    from xxgk.desk.source import CACHE

    record = data / "extracted" / EXTRACTOR_VERSION / f"{sha}.json"
    kept = record.read_bytes() if record.exists() else None
    record.unlink(missing_ok=True)
    shutil.rmtree(data / CACHE / "read", ignore_errors=True)
    shutil.rmtree(data / CACHE / "pages", ignore_errors=True)
    try:
        t0 = time.perf_counter()
        report_with_image()
        return (time.perf_counter() - t0) * 1000
    finally:
        if kept is not None:
            record.write_bytes(kept)
        shutil.rmtree(data / CACHE / "read", ignore_errors=True)
        shutil.rmtree(data / CACHE / "pages", ignore_errors=True)


def timed(fn, repeat: int) -> tuple[float, float]:
    times = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        fn()
        times.append((time.perf_counter() - t0) * 1000)
    return statistics.median(times), max(times)


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--reports", type=int, default=100_000)
    ap.add_argument("--data", default=None, help="Build the warehouse in this folder (reused when it is there).")
    ap.add_argument("--repeat", type=int, default=20)
    args = ap.parse_args()
    warnings.simplefilter("ignore")
    from starlette.testclient import TestClient

    from xxgk.desk.app import create_app
    from xxgk.desk.source import CACHE

    data = Path(args.data) if args.data else Path(tempfile.mkdtemp()) / "data"
    t0 = time.perf_counter()
    if (data / "warehouse.duckdb").exists() and (data / "raw" / "flagged.pdf").exists():
        sha = hashlib.sha256((data / "raw" / "flagged.pdf").read_bytes()).hexdigest()
        print(f"reusing the warehouse in {data}")
    else:
        sha = build(data, args.reports)
        print(f"warehouse of {args.reports:,} reports built in {time.perf_counter() - t0:.0f} s")
    shutil.rmtree(data / CACHE, ignore_errors=True)
    client = TestClient(create_app(data), base_url="http://127.0.0.1")
    rid = client.app.state.desk.store.cursor().execute("SELECT report_id FROM reports WHERE sha256 = ?", [sha]).fetchall()[0][0]

    def get(url: str) -> str:
        r = client.get(url)
        assert r.status_code == 200, (url, r.status_code)
        return r.text

    def report_with_image(parts: list | None = None) -> None:
        t0 = time.perf_counter()
        page = get(f"/report/{rid}")
        t1 = time.perf_counter()
        src = page.split('<img class="page" src="', 1)[1].split('"', 1)[0]
        assert client.get(src).headers["content-type"] == "image/png"
        if parts is not None:
            parts += [(t1 - t0) * 1000, (time.perf_counter() - t1) * 1000]

    get("/")  # the store opens the warehouse once
    rows = get(f"/?county={COUNTY}&year=2023").count("<tr class=\"status-")
    t0 = time.perf_counter()
    parts: list[float] = []
    report_with_image(parts)
    first = (time.perf_counter() - t0) * 1000
    cold = _first_without_record(data, sha, rid, report_with_image)
    county = timed(lambda: get(f"/?county={COUNTY}&year=2023"), args.repeat)
    cached = timed(report_with_image, args.repeat)
    print(f"county page ({COUNTY} 2023, {rows} agencies): median {county[0]:.0f} ms, max {county[1]:.0f} ms — target < 200 ms")
    print(f"report page + page image, first: {first:.0f} ms (page {parts[0]:.0f} ms, image {parts[1]:.0f} ms)"
          " — target < 1000 ms")
    print(f"report page + page image, first without the nightly's record (PDF read again): {cold:.0f} ms")
    print(f"report page + page image, cached: median {cached[0]:.0f} ms, max {cached[1]:.0f} ms — target < 300 ms")
    ok = county[0] < 200 and cached[0] < 300 and first < 1000
    print("targets met" if ok else "TARGET MISSED")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
