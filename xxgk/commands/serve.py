"""`xxgk serve`: the nightly deployment, on a cron schedule (02:00 Asia/Shanghai by default)."""

from __future__ import annotations

import click

from xxgk.prefect_env import use_local_prefect


@click.command("serve")
@click.option("--sources", "sources_file", default="sources.yaml", show_default=True, type=click.Path(dir_okay=False))
@click.option("--data", "data_dir", default="data", show_default=True, type=click.Path(file_okay=False))
@click.option("--cron", default="0 2 * * *", show_default=True, help="When to run (cron, in --timezone).")
@click.option("--timezone", default="Asia/Shanghai", show_default=True)
@click.option("--dask", "dask_address", metavar="ADDRESS", help="Run extraction on this Dask scheduler.")
def command(sources_file: str, data_dir: str, cron: str, timezone: str, dask_address: str | None) -> None:
    """Serve the `nightly` flow as a Prefect deployment with a cron schedule; runs until stopped.
    Point PREFECT_API_URL at a Prefect server to see runs in its UI."""
    use_local_prefect(data_dir)
    from flows.deploy import serve_nightly

    serve_nightly(sources_file, data_dir, cron, timezone, dask_address)
