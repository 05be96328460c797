"""`xxgk harvest --sources FILE [--data DIR] [--only ID ...] [--discover]`: fetch new and changed annual reports
(and, weekly or on demand, look for the columns of the sources that give `discover_from`)."""

from __future__ import annotations

import signal
import threading
from pathlib import Path

import click
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from extract.harvest.registry import RegistryError, load_registry
from extract.harvest.run import Harvest, RunReport
from extract.harvest.store import StoreError


def summary_table(report: RunReport) -> Table:
    table = Table(title=f"harvest {report.run_id}: {report.status} in {report.seconds:.1f} s")
    table.add_column("source")
    for column in ("new", "changed", "unchanged", "failed", "skipped"):
        table.add_column(column, justify="right")
    totals = [0, 0, 0, 0, 0]
    for source_id, counts in report.counts.items():
        values = [counts.new, counts.changed, counts.unchanged, counts.failed, counts.skipped]
        totals = [a + b for a, b in zip(totals, values)]
        table.add_row(source_id, *(str(v) for v in values))
    if len(report.counts) > 1:
        table.add_row("[bold]total[/]", *(f"[bold]{v}[/]" for v in totals))
    return table


def discovery_table(report: RunReport) -> Table | None:
    if not report.discoveries:
        return None
    table = Table(title="discovery (年报 columns looked for from discover_from)")
    for column in ("source", "pages", "columns", "agency unknown", "result"):
        table.add_column(column, justify="right" if column in ("pages", "columns", "agency unknown") else "left",
                         overflow="fold")
    for source_id, walk in report.discoveries.items():
        unknown = sum(c.agency is None for c in walk.columns)
        table.add_row(source_id, str(walk.pages), str(len(walk.columns)), str(unknown), walk.message or walk.status)
    return table


@click.command("harvest")
@click.option("--sources", "sources_file", required=True, type=click.Path(dir_okay=False), help="Source registry (YAML).")
@click.option("--data", "data_dir", default="data", show_default=True, type=click.Path(file_okay=False),
              help="Where the raw store (raw/) and the fetch log (harvest.duckdb) live.")
@click.option("--only", multiple=True, metavar="ID", help="Harvest only these source ids (repeatable, or comma-separated).")
@click.option("--no-progress", is_flag=True, help="No progress bar.")
@click.option("--discover", is_flag=True,
              help="Look for the columns of every source with discover_from now (otherwise when due: weekly by default).")
def command(sources_file: str, data_dir: str, only: tuple[str, ...], no_progress: bool, discover: bool) -> None:
    """Fetch each source's new or changed annual reports into the raw store, logging every fetch.

    Exit code 0 when the run worked, whatever individual documents did (see the table and the log).
    """
    console = Console()
    try:
        registry = load_registry(sources_file)
    except RegistryError as exc:
        console.print(str(exc), markup=False, highlight=False)
        raise SystemExit(2) from None
    wanted = tuple(i.strip() for item in only for i in item.split(",") if i.strip())
    try:
        sources = registry.select(wanted)
    except KeyError as exc:
        raise click.UsageError(str(exc.args[0])) from None
    if not sources:
        console.print("no enabled sources to harvest")
        return

    stop = threading.Event()
    previous = signal.getsignal(signal.SIGTERM), signal.getsignal(signal.SIGINT)

    def on_term(signum, frame):  # kill: stop like Ctrl-C, keeping what was fetched
        raise KeyboardInterrupt

    if threading.current_thread() is threading.main_thread():
        signal.signal(signal.SIGTERM, on_term)
        signal.signal(signal.SIGINT, signal.default_int_handler)  # even when started with SIGINT ignored
    progress = Progress(
        TextColumn("[bold]harvest[/]"), BarColumn(), MofNCompleteColumn(), TextColumn("{task.description}"),
        TimeElapsedColumn(), console=console, disable=no_progress, transient=False,
    )
    bar = progress.add_task("", total=None)

    def on_progress(finished: int, known: int, task) -> None:
        progress.update(bar, completed=finished, total=known, description=f"{task.source.id}: {task.kind}")

    try:
        with progress:
            report = Harvest(sources, Path(data_dir), on_progress, stop, discover=True if discover else None).run()
    except KeyboardInterrupt:
        console.print("[yellow]interrupted[/]: what was fetched is kept; run again to continue")
        raise SystemExit(130) from None
    except StoreError as exc:
        console.print(f"[red]{exc}[/]", highlight=False)
        raise SystemExit(1) from None
    finally:
        if threading.current_thread() is threading.main_thread():
            signal.signal(signal.SIGTERM, previous[0])
            signal.signal(signal.SIGINT, previous[1])
    console.print(summary_table(report))
    discovered = discovery_table(report)
    if discovered is not None:
        console.print(discovered)
    for walk in report.discoveries.values():
        if walk.status == "budget":
            console.print(f"[yellow]{walk.message}[/]", highlight=False)
