"""`xxgk sources check FILE`: validate a source registry and show what a harvest would crawl."""

from __future__ import annotations

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
            "\n".join(source.start_urls),
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
    enabled = sum(s.enabled for s in registry.sources)
    console.print(f"valid: {enabled} source(s) would be crawled")
