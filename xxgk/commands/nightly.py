"""`xxgk nightly`: the nightly Prefect flow (harvest → extract → load → summarize), run now."""

from __future__ import annotations

import click

from xxgk.prefect_env import use_local_prefect


@click.command("nightly")
@click.option("--sources", "sources_file", default="sources.yaml", show_default=True, type=click.Path(dir_okay=False))
@click.option("--data", "data_dir", default="data", show_default=True, type=click.Path(file_okay=False))
@click.option("--only", multiple=True, metavar="ID", help="Harvest only these source ids.")
@click.option("--dask", "dask_address", metavar="ADDRESS", help="Run extraction on this Dask scheduler (tcp://host:port).")
@click.option("--year", type=int, help="Summarise this year only.")
@click.option("--discover", is_flag=True, help="Look for every county's 年报 columns now (otherwise weekly).")
def command(sources_file: str, data_dir: str, only: tuple[str, ...], dask_address: str | None, year: int | None,
            discover: bool) -> None:
    """Run the nightly flow once: harvest, extract what is new, load and publish the warehouse,
    summarise. Runs on Prefect's local ephemeral server unless PREFECT_API_URL is set."""
    use_local_prefect(data_dir)
    from flows.nightly import nightly

    result = nightly(sources_file, data_dir, list(only) or None, dask_address, year, discover)
    click.echo(f"{len(result['summary'])} county-years in {data_dir}/warehouse.duckdb")
