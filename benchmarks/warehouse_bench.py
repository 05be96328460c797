"""Warehouse benchmark: load 100,000 generated reports, then time the county summary.

    python benchmarks/warehouse_bench.py [--reports 100000] [--batch 20000] [--db PATH] [--repeat 20]

Figures are cheap: a pool of consistent figure sets from `xxgk.generate.figures.make_figures` (all
four rules hold) is reused across reports; no document is rendered. Reports are spread over the
counties of a few provinces, years 2019-2024, ~30 agencies per county and year (the county
government, departments, townships), placed by name and registry region like real ones.

Targets: one county-year summary under 100 ms, all counties of a province under 1 s. Prints the
load rate (reports/s, figures/s) and the median/max query times; exits 1 when a target is missed.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from warehouse.load import connect, load_records  # noqa: E402
from warehouse.regions import regions  # noqa: E402
from warehouse.summary import area_summary, county_summary  # noqa: E402
from xxgk.generate.figures import make_figures  # noqa: E402

PROVINCES = ["130000", "140000", "320000", "370000", "410000"]  # 河北 山西 江苏 山东 河南
YEARS = list(range(2019, 2025))
DEPARTMENTS = [
    "人民政府", "人民政府办公室", "发展和改革局", "教育局", "公安局", "民政局", "司法局", "财政局", "人力资源和社会保障局",
    "自然资源局", "生态环境局", "住房和城乡建设局", "交通运输局", "水利局", "农业农村局", "商务局", "文化和旅游局",
    "卫生健康委员会", "应急管理局", "审计局", "市场监督管理局", "统计局", "医疗保障局", "林业局", "乡村振兴局",
    "行政审批服务局", "信访局", "融媒体中心",
]
TOWNSHIPS = ["城关镇", "东关镇", "西河乡", "南街道办事处"]


def plan(n_reports: int) -> list[tuple[str, str, int]]:
    """(county code, agency name, year) for n reports."""
    regs = regions()
    counties = sorted(c for c, r in regs.items() if r.is_current and r.level == "county" and c[:2] + "0000" in PROVINCES
                      and not r.name.endswith(("开发区", "新区", "园区")))
    names = DEPARTMENTS + TOWNSHIPS
    out = []
    i = 0
    while len(out) < n_reports:
        for year in YEARS:
            for county in counties:
                name = regs[county].name + names[i % len(names)]
                out.append((county, name, year))
                if len(out) >= n_reports:
                    return out
            i += 1
    return out


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--reports", type=int, default=100_000)
    ap.add_argument("--batch", type=int, default=20_000)
    ap.add_argument("--db", default=None)
    ap.add_argument("--repeat", type=int, default=20)
    args = ap.parse_args()

    pool = {t: [make_figures(s, t) for s in range(200)] for t in ("2019", "2021")}
    work = plan(args.reports)
    db = Path(args.db) if args.db else Path(tempfile.mkdtemp()) / "bench.duckdb"
    db.unlink(missing_ok=True)
    con = connect(db)

    def records(chunk, offset):
        for j, (county, name, year) in enumerate(chunk):
            n = offset + j
            t = "2019" if year <= 2020 else "2021"
            yield {"path": f"bench/{n}.html", "sha256": f"{n:064x}", "format": "html", "agency": name,
                   "year": year, "template": t, "status": "ok", "values": pool[t][n % 200], "issues": [],
                   "error": None}

    started = time.perf_counter()
    figures = 0
    for offset in range(0, len(work), args.batch):
        chunk = work[offset: offset + args.batch]
        docs = {f"{offset + j:064x}": {"region_code": c, "source_id": f"bench-{c}"} for j, (c, _, _) in enumerate(chunk)}
        t0 = time.perf_counter()
        load_records(con, records(chunk, offset), documents=docs)
        figures += sum(len(pool["2019" if y <= 2020 else "2021"][0]) for _, _, y in chunk)
        print(f"  loaded {offset + len(chunk):>7} reports ({len(chunk) / (time.perf_counter() - t0):,.0f}/s for this batch)")
    load_s = time.perf_counter() - started
    size = os.path.getsize(db) / 2**20
    n = con.execute("SELECT count(*) FROM reports").fetchall()[0][0]
    print(f"load: {n:,} reports, {figures:,} figures in {load_s:.1f} s = {n / load_s:,.0f} reports/s, "
          f"{figures / load_s:,.0f} figures/s; file {size:.0f} MB")

    # A repeated load changes nothing.
    t0 = time.perf_counter()
    again = load_records(con, records(work[: args.batch], 0))
    print(f"reload of {args.batch:,} known reports: {again.as_dict()} in {time.perf_counter() - t0:.1f} s")

    county, year = work[0][0], 2023
    province = county[:2] + "0000"

    def timed(fn) -> tuple[float, float, int]:
        times, rows = [], 0
        for _ in range(args.repeat):
            t0 = time.perf_counter()
            rows = len(fn())
            times.append((time.perf_counter() - t0) * 1000)
        return statistics.median(times), max(times), rows

    one = timed(lambda: county_summary(con, county=county, year=year))
    prov = timed(lambda: county_summary(con, province=province, year=year))
    roll = timed(lambda: area_summary(con, "province", code=province, year=year))
    print(f"county summary, one county-year ({county} {year}): median {one[0]:.1f} ms, max {one[1]:.1f} ms "
          f"({one[2]} row) — target < 100 ms")
    print(f"county summary, all counties of province {province} {year}: median {prov[0]:.1f} ms, max {prov[1]:.1f} ms "
          f"({prov[2]} rows) — target < 1000 ms")
    print(f"province roll-up {province} {year}: median {roll[0]:.1f} ms, max {roll[1]:.1f} ms")
    con.close()
    ok = one[0] < 100 and prov[0] < 1000
    print("targets met" if ok else "TARGET MISSED")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
