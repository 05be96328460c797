"""Helpers for the harvest tests: sources for the local portal with politeness off, fetch-log queries."""

from __future__ import annotations

from pathlib import Path

import duckdb

from extract.harvest.registry import Source, parse_registry

FAST = {
    "rate_per_host": 0, "concurrency_per_host": 4, "connect_timeout_s": 1.0, "read_timeout_s": 0.4,
    "total_timeout_s": 3.0, "retries": 2, "backoff_base_s": 0.01, "backoff_max_s": 0.05,
}
DEMO_COLUMNS = ("/xxgk/xxgknb/index.html", "/ndbg/index.html", "/xxgk/zfxxgknb/index.html")


def source_entry(base_url: str, paths=DEMO_COLUMNS, id: str = "demo", **overrides) -> dict:
    politeness = {**FAST, **overrides.pop("politeness", {})}
    entry = {
        "id": id, "region_code": "140828", "name": "演示县（生成数据）",
        "start_urls": [base_url + p if p.startswith("/") else p for p in paths],
        "allowed_hosts": ["127.0.0.1"], "allow_private_addresses": True, "politeness": politeness,
    }
    entry.update(overrides)
    return entry


def make_source(base_url: str, paths=DEMO_COLUMNS, **overrides) -> Source:
    return parse_registry({"sources": [source_entry(base_url, paths, **overrides)]}).sources[0]


def query(data_dir: Path, sql: str, params=()) -> list[dict]:
    con = duckdb.connect(str(Path(data_dir) / "harvest.duckdb"), read_only=True)
    try:
        cursor = con.execute(sql, list(params))
        names = [d[0] for d in cursor.description]
        return [dict(zip(names, row)) for row in cursor.fetchall()]
    finally:
        con.close()


def fetches(data_dir: Path) -> list[dict]:
    return query(data_dir, "SELECT * FROM harvest_fetches ORDER BY fetch_id")


def raw_files(data_dir: Path) -> list[Path]:
    return sorted(p for p in (Path(data_dir) / "raw").glob("??/??/*") if p.is_file())
