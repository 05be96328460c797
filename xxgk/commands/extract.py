"""`xxgk extract PATH... [--json] [--provenance]`: figures out of documents, one record each."""

from __future__ import annotations

import json
import os
import sys
from contextlib import nullcontext
from typing import Iterator

import click

from xxgk.extraction import extract_path, iter_files

# rich, the worker pool and its threads load only where they are used: `xxgk extract --json` on
# one file is mostly start-up.

STATUS_STYLE = {"ok": "green", "flagged": "yellow", "failed": "red"}


@click.command("extract")
@click.argument("paths", nargs=-1, required=True)
@click.option("--json", "as_json", is_flag=True, help="One JSON object per document per line.")
@click.option("--provenance", is_flag=True, help="Add where each figure was printed (page, table, row, column).")
@click.option("--workers", type=click.IntRange(min=0), default=0, show_default=True,
              help="Read documents in this many child processes, each with a time limit and a memory cap "
                   "(0: in this process).")
def command(paths: tuple[str, ...], as_json: bool, provenance: bool, workers: int) -> None:
    """Extract tables 二, 三 and 四 of each document (every file under a folder), check the rules.

    A document that cannot be read is reported as failed with the reason; the batch goes on and
    exits 0. Records come out in the order of the files. An HTML page saved with its pictures
    beside it (page.html and page_files/) is read with them; those pictures are not read alone.
    """
    files = iter_files(list(paths))
    records = []
    with _progress(len(files)) as advance:
        for record in _extracted(files, provenance, workers):
            if as_json:
                sys.stdout.write(json.dumps(record, ensure_ascii=False) + "\n")
                sys.stdout.flush()
            else:
                records.append(record)
            advance()
    if not as_json:
        from xxgk.console import table_console

        print_summary(records, table_console())


def _progress(total: int):
    """A progress bar on a terminal for five files or more; otherwise nothing (nor rich loaded)."""
    if total < 5 or not sys.stderr.isatty():
        return nullcontext(lambda: None)
    from contextlib import contextmanager

    from rich.console import Console
    from rich.progress import Progress

    @contextmanager
    def bar():
        with Progress(console=Console(stderr=True), transient=True) as progress:
            task = progress.add_task("extracting", total=total)
            yield lambda: progress.advance(task)

    return bar()


def _extracted(files: list, provenance: bool, workers: int) -> Iterator[dict]:
    if workers == 0:
        yield from (extract_path(path, provenance=provenance, saved_pictures=True) for path in files)
        return
    import queue
    from concurrent.futures import ThreadPoolExecutor

    from xxgk.worker import GuardedExtractor

    extractors = [GuardedExtractor() for _ in range(workers)]
    free: queue.Queue = queue.Queue()
    for extractor in extractors:
        free.put(extractor)

    def one(path) -> dict:
        extractor = free.get()
        try:
            return extractor.extract(path, provenance, saved_pictures=True)
        finally:
            free.put(extractor)

    try:
        with ThreadPoolExecutor(max_workers=workers) as pool:
            yield from pool.map(one, files)
    finally:
        for extractor in extractors:
            extractor.close()


def _shown(path: str) -> str:
    """A path as short as it reads: relative to the working folder when it lies inside it."""
    relative = os.path.relpath(path)
    return relative if not relative.startswith("..") else path


def print_summary(records: list[dict], console) -> None:
    from rich.table import Table as RichTable

    table = RichTable(title="xxgk extract", show_lines=False)
    for column in ("document", "format", "agency", "year", "version", "status", "broken rules / reason"):
        table.add_column(column, overflow="fold")
    for r in records:
        rules = sorted({i["code"].removeprefix("source.") for i in r["issues"] if i["code"].startswith("source.")})
        unsure = sum(i["code"].startswith("extractor.") for i in r["issues"])
        detail = r["error"] or ", ".join(rules) + (f"{'; ' if rules else ''}{unsure} extractor issue(s)" if unsure else "")
        table.add_row(
            _shown(r["path"]), r["format"], r["agency"] or "?", str(r["year"] or "?"), r["template"] or "-",
            f"[{STATUS_STYLE[r['status']]}]{r['status']}[/]", detail or "",
        )
    console.print(table)
    for r in records:
        broken = [i for i in r["issues"] if i["code"].startswith(("source.", "extractor."))]
        if broken:
            console.print(f"\n[bold]{r['path']}[/]")
            for i in broken:
                console.print(f"  {i['code']}: {i['message']}")
                console.print(f"    cells: {', '.join(i['keys'])}", style="dim")
