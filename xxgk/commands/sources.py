"""`xxgk sources check FILE`: validate a source registry and show what a harvest would crawl.
`xxgk sources columns [--source ID]`: the 年报 columns discovery found, with their agencies."""

from __future__ import annotations

from pathlib import Path

import click
from rich.console import Console
from rich.table import Table

from extract.harvest.registry import RegistryError, Source, load_registry


def _rules(source: Source) -> str:
    if source.rules.is_default:
        return "defaults"
    rules = source.rules.model_dump(exclude_defaults=True)
    return "; ".join(f"{k}={v}" for k, v in rules.items())


def _politeness(source: Source) -> str:
    p = source.politeness
    rate = "no limit" if p.rate_per_host == 0 else f"{p.rate_per_host:g}/s"
    return f"{rate}, ×{p.concurrency_per_host}, retries {p.retries}"


@click.group("sources")
def command() -> None:
    """Work with the source registry (sources.yaml)."""


@command.command("check")
@click.argument("file", type=click.Path(dir_okay=False, path_type=str))
def check(file: str) -> None:
    """Validate FILE and print what `xxgk harvest` would crawl."""
    console = Console()
    try:
        registry = load_registry(file)
    except RegistryError as exc:
        console.print(f"[bold red]{file}: invalid[/] ({len(exc.problems)} problem(s))", highlight=False)
        for problem in exc.problems:
            console.print(f"  - {problem}", highlight=False, markup=False)
        raise SystemExit(1) from None
    table = Table(title=f"{file}: {len(registry.sources)} source(s)", show_lines=True)
    for column in ("id", "region", "name", "start URLs", "allowed hosts", "rules", "limits", "politeness"):
        table.add_column(column, overflow="fold")
    for source in registry.sources:
        limits = source.limits
        table.add_row(
            source.id + ("" if source.enabled else " (disabled)"),
            source.region_code,
            source.name,
            "\n".join(source.start_urls + tuple(f"(discover from) {u}" for u in source.discover_from)),
            "\n".join(source.allowed_hosts) + ("\n(private addresses allowed)" if source.allow_private_addresses else ""),
            _rules(source),
            f"{limits.max_list_pages} pages, {limits.max_entries} entries, {limits.max_bytes // 2**20} MB/file",
            _politeness(source),
        )
    console.print(table)
    for source in registry.sources:
        if source.enabled:
            for url in source.start_urls:
                console.print(f"would crawl {source.id}: {url}", soft_wrap=True, highlight=False, markup=False)
            for url in source.discover_from:
                console.print(f"would look for columns of {source.id} from: {url} (depth {source.discovery.max_depth}, "
                              f"{source.discovery.max_pages} pages, every {source.discovery.every_days:g} days)",
                              soft_wrap=True, highlight=False, markup=False)
    enabled = sum(s.enabled for s in registry.sources)
    console.print(f"valid: {enabled} source(s) would be crawled")


@command.command("columns")
@click.option("--data", "data_dir", default="data", show_default=True, type=click.Path(file_okay=False),
              help="The data folder whose harvest.duckdb holds the columns.")
@click.option("--source", "source_id", metavar="ID", help="Only this source.")
def columns(data_dir: str, source_id: str | None) -> None:
    """List the 年报 columns discovery found: agency (and how it was told), URL, first and last seen,
    gone ones marked. Columns whose agency could not be told are listed again for review."""
    import duckdb

    from xxgk.console import table_console

    path = Path(data_dir) / "harvest.duckdb"
    if not path.exists():
        raise click.ClickException(f"no harvest database at {path}: run xxgk harvest first")
    con = duckdb.connect(str(path), read_only=True)
    try:
        if not con.execute("SELECT count(*) FROM information_schema.tables WHERE table_name = 'harvest_columns'").fetchone()[0]:
            rows = []
        else:
            rows = con.execute("""
                SELECT source_id, agency, agency_basis, url, readers, entries, first_seen_at, last_seen_at, status, gone_since, path
                FROM harvest_columns WHERE ? IS NULL OR source_id = ?
                ORDER BY source_id, status, agency NULLS LAST, url""", [source_id, source_id]).fetchall()
    finally:
        con.close()
    console = table_console()
    if not rows:
        console.print("no columns found yet" + (f" for {source_id}" if source_id else "") +
                      " (entries with discover_from get them at their next harvest, or with xxgk harvest --discover)")
        return
    table = Table(title=f"年报 columns: {len(rows)}")
    for name in ("source", "机关 (agency)", "told by", "URL", "listing", "reports on page 1", "first seen", "last seen", "status"):
        table.add_column(name, overflow="fold")
    for source, agency, basis, url, readers, entries, first, last, status, gone, _path in rows:
        table.add_row(source, agency or "[yellow]unknown[/]", basis or "", url, readers or "", str(entries or 0),
                      f"{first:%Y-%m-%d}", f"{last:%Y-%m-%d}",
                      status if status == "active" else f"[red]gone since {gone:%Y-%m-%d}[/]")
    console.print(table)
    unknown = [r for r in rows if r[1] is None and r[8] == "active"]
    for source, _a, _b, url, *_rest, path_text in unknown:
        console.print(f"review: {source}: the agency of {url} could not be told (reached by {path_text or 'a start page'})",
                      highlight=False, markup=False, soft_wrap=True)
