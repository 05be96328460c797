"""`xxgk demo`: the main job on bundled, generated demo data, with no internet."""

from __future__ import annotations

from pathlib import Path

import click
from rich.console import Console

from xxgk.console import number, table_console
from xxgk.prefect_env import use_local_prefect


@click.command("demo")
@click.option("--data", "data_dir", default="data/demo", show_default=True, type=click.Path(file_okay=False))
@click.option("--agencies", default=5, show_default=True, help="Agencies per county.")
@click.pass_context
def command(ctx: click.Context, data_dir: str, agencies: int) -> None:
    """Generate a demo corpus (three real counties, invented figures), serve it as local county
    portals on 127.0.0.1, run the nightly flow against them and print the county summary."""
    use_local_prefect(data_dir)
    from flows.nightly import nightly
    from xxgk.commands.summary import command as summary_command
    from xxgk.generate.corpus import write_demo_corpus
    from xxgk.portal.corpus import serve_corpus, write_registry

    console = table_console()
    data = Path(data_dir)
    corpus = data / "corpus"
    entries = write_demo_corpus(corpus, n_agencies=agencies, years=(2020, 2021, 2022, 2023), flaws=True, scans=True)
    n_scans = sum(bool(e["quirks"].get("scan")) for e in entries)
    console.print(f"demo corpus: {len(entries)} generated reports in {corpus} (invented figures; {n_scans} scans, read by OCR)")
    served = serve_corpus(corpus, entries)
    try:
        registry = write_registry(served, data / "sources.yaml")
        for code, portal in served.items():
            console.print(f"county portal for {code}: {portal.base_url}/index.html (its columns are found from there)")
        with console.status("running the nightly flow (harvest → extract → load → summarize) on Prefect…"):
            nightly(str(registry), str(data))
    finally:
        for portal in served.values():
            portal.stop()
    ctx.invoke(summary_command, data_dir=str(data))
    print_broken_sums(data, console)
    console.print(f"\nwarehouse: [bold]{data / 'warehouse.duckdb'}[/]")
    console.print(f"try: .venv/bin/xxgk query --data {data} \"SELECT * FROM v_county_year\"")
    console.print("trends: open notebooks/trend_review.ipynb (XXGK_DATA=" + str(data) + ")")


def print_broken_sums(data: Path, console: Console) -> None:
    """Every rule a current report breaks, with the cells: what a 政务公开办 checks first."""
    from rich.table import Table

    from warehouse.publish import open_published

    con = open_published(data)
    try:
        rows = con.execute("""
            SELECT r.agency, r.year, c.rule, c.keys, c.expected, c.found
            FROM checks c JOIN v_reports r USING (report_id)
            WHERE r.is_current AND c.rule LIKE 'rule%'
            ORDER BY r.region_code, r.agency, r.year, c.rule""").fetchall()
    finally:
        con.close()
    table = Table(title="核对未通过 (broken sums, as printed)")
    for column in ("机关", "年度", "rule", "cells", "sum of the parts", "printed total"):
        table.add_column(column, overflow="fold")
    for agency, year, rule, keys, expected, found in rows:
        table.add_row(agency or "?", str(year), rule, ", ".join(keys), number(expected), number(found))
    console.print(table if rows else "no broken sums")

