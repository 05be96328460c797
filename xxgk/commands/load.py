"""`xxgk load RECORDS.jsonl... [--data DIR]`: load extraction records and publish the warehouse."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import click

from warehouse.publish import documents_from_harvest, publish_records


@click.command("load")
@click.argument("files", nargs=-1)
@click.option("--data", "data_dir", default="data", show_default=True, type=click.Path(file_okay=False))
@click.option("--region", "region_code", help="The registry region of these documents (when the harvest log has none).")
@click.option("--source", "source_id", help="The registry entry of these documents.")
@click.option("--rebuild", is_flag=True, help="Build the warehouse from nothing instead of from the published one.")
def command(files, data_dir, region_code, source_id, rebuild) -> None:
    """Load `xxgk extract --json` output (files, or stdin when none or '-') into DIR/warehouse.duckdb.
    Loading is idempotent; the published file is replaced atomically."""
    def records():
        for name in files or ("-",):
            fh = sys.stdin if name == "-" else open(name, encoding="utf-8")
            for line in fh:
                if line.strip():
                    yield json.loads(line)
    harvest = Path(data_dir) / "harvest.duckdb"
    docs = documents_from_harvest(harvest) if harvest.exists() else None
    result = publish_records(data_dir, records(), documents=docs, region_code=region_code, source_id=source_id,
                             rebuild=rebuild)
    click.echo(f"loaded: {result.new} new, {result.changed} changed, {result.unchanged} unchanged, "
               f"{result.skipped} skipped")
