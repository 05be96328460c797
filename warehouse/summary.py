"""Summaries as pandas DataFrames, from the views of migration 003.

    county_summary(con, county=None, city=None, province=None, year=None)   # one row per county-year
    area_summary(con, level, code=None, province=None, year=None)          # city / province roll-ups
    summary(con, county=, city=, province=, year=, counties=False)         # what `xxgk summary` shows

Every frame has the measures of warehouse/metrics.py, the counts (agencies reporting / flagged /
missing, figures corrected), the rates, and year-over-year columns: `prev_<measure>` and
`change_<measure>` against the same region's previous year, `format_break` where the previous year
used the other version of the format; a measure that exists in one version only is not compared
across the break (its change is NULL). `con` is a connection or a warehouse file path.
"""

from __future__ import annotations

import os
from contextlib import contextmanager
from typing import Iterator

import duckdb
import numpy as np
import pandas as pd

from warehouse.metrics import COUNTS, LABELS, RATES, measures
from warehouse.regions import identity

MEASURES = measures()
YOY = [m.name for m in MEASURES] + [c for c, _ in COUNTS] + [r for r, _, _ in RATES]
ONLY_ONE_VERSION = {m.name for m in MEASURES if len(m.versions) == 1}


@contextmanager
def _con(db: str | os.PathLike | duckdb.DuckDBPyConnection) -> Iterator[duckdb.DuckDBPyConnection]:
    if isinstance(db, duckdb.DuckDBPyConnection):
        yield db
    else:
        con = duckdb.connect(str(db), read_only=True)
        try:
            yield con
        finally:
            con.close()


def _years(year: int | None) -> list[int] | None:
    return None if year is None else [year - 1, year]


def county_summary(db, county: str | None = None, city: str | None = None, province: str | None = None,
                   year: int | None = None, yoy: bool = True) -> pd.DataFrame:
    filters = {"county": county, "city": city, "province": province}
    return _select(db, "v_county_year", filters, year, yoy)


def area_summary(db, level: str, code: str | None = None, province: str | None = None, year: int | None = None,
                 yoy: bool = True) -> pd.DataFrame:
    if level not in ("city", "province"):
        raise ValueError("level is city or province")
    view = {"city": "v_city_year", "province": "v_province_year"}[level]
    filters = {"code": code, "province": province if level == "city" else None}
    return _select(db, view, filters, year, yoy)


def _select(db, view: str, filters: dict[str, str | None], year: int | None, yoy: bool) -> pd.DataFrame:
    """Rows of a summary view filtered by region codes (former codes resolve to their successor)
    and by year (with the year before, for the year-over-year change)."""
    where, params = [], []
    for column, code in filters.items():
        if code:
            where.append(f"{column} = ?")
            params.append(identity(code))
    years = _years(year) if yoy else ([year] if year else None)
    if years:
        where.append(f"year IN ({', '.join('?' * len(years))})")
        params.extend(years)
    sql = f"SELECT * FROM {view}" + (" WHERE " + " AND ".join(where) if where else "") + " ORDER BY code, year"
    with _con(db) as con:
        df = con.execute(sql, params).df()
    return _finish(df, year, yoy)


def summary(db, county: str | None = None, city: str | None = None, province: str | None = None,
            year: int | None = None, counties: bool = False) -> pd.DataFrame:
    """County rows for --county; the roll-up for --city / --province (their counties with counties=True);
    every county without a filter."""
    if county or counties or not (city or province):
        return county_summary(db, county=county, city=city, province=province, year=year)
    if city:
        return area_summary(db, "city", code=city, year=year)
    return area_summary(db, "province", code=province, year=year)


def _finish(df: pd.DataFrame, year: int | None, yoy: bool) -> pd.DataFrame:
    if df.empty or not yoy:
        return df.reset_index(drop=True)
    df = df.sort_values(["code", "year"]).reset_index(drop=True)
    prev = df[["code", "year", "format", *[c for c in YOY if c in df.columns]]].copy()
    prev["year"] = prev["year"] + 1
    prev = prev.rename(columns={c: f"prev_{c}" for c in prev.columns if c not in ("code", "year")})
    out = df.merge(prev, on=["code", "year"], how="left")
    out["format_break"] = out["prev_format"].notna() & (out["prev_format"] != out["format"])
    cols = [c for c in YOY if c in out.columns]
    cur = out[cols].to_numpy(dtype="float64", na_value=np.nan)
    before = out[[f"prev_{c}" for c in cols]].to_numpy(dtype="float64", na_value=np.nan)
    change = cur - before
    brk = out["format_break"].to_numpy()
    for i, c in enumerate(cols):
        if c in ONLY_ONE_VERSION:
            change[brk, i] = np.nan
    out = pd.concat([out, pd.DataFrame(change, columns=[f"change_{c}" for c in cols], index=out.index)], axis=1)
    for c in cols:  # a count stays a whole number in its previous year and its change (NA where none)
        if pd.api.types.is_integer_dtype(df[c]):
            out[f"prev_{c}"] = out[f"prev_{c}"].astype("Int64")
            out[f"change_{c}"] = out[f"change_{c}"].astype("Int64")
    if year is not None:
        out = out[out["year"] == year]
    return out.reset_index(drop=True)


def label(column: str) -> str:
    for prefix, zh in (("change_", "较上年"), ("prev_", "上年")):
        if column.startswith(prefix):
            return f"{LABELS.get(column[len(prefix):], column[len(prefix):])}（{zh}）"
    return LABELS.get(column, column)


def county_agencies(db, county: str, year: int) -> pd.DataFrame:
    """Every agency of a county: those with reports in the warehouse and those whose 年报 column the
    harvest's discovery found (with or without a report), with the status of their report of `year`
    (ok / flagged / confirmed / failed, or missing) and their columns. A column whose agency could not
    be told is one row with agency NULL."""
    return db.execute("""
        WITH known AS (
            SELECT DISTINCT agency FROM v_reports WHERE region_code = $county AND agency IS NOT NULL
        ), cols AS (
            SELECT agency, string_agg(url, ' ' ORDER BY url) AS columns, bool_or(status = 'active') AS active
            FROM portal_columns WHERE region_code = $county GROUP BY agency
        ), reported AS (
            SELECT agency, arg_max(review_status, version) AS report FROM v_reports
            WHERE is_current AND region_code = $county AND year = $year GROUP BY agency
        )
        SELECT coalesce(k.agency, c.agency) AS agency,
               CASE WHEN coalesce(k.agency, c.agency) IS NOT NULL THEN coalesce(r.report, 'missing') END AS report,
               c.columns, CASE WHEN c.agency IS NULL AND c.columns IS NULL THEN NULL
                               WHEN c.active THEN 'active' ELSE 'gone' END AS column_status
        FROM known k FULL OUTER JOIN cols c ON c.agency = k.agency
        LEFT JOIN reported r ON r.agency = coalesce(k.agency, c.agency)
        ORDER BY agency NULLS LAST""", {"county": county, "year": year}).df()
