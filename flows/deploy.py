"""The nightly deployment: `nightly` served by Prefect with a cron schedule in China's time zone."""

from __future__ import annotations

from prefect.schedules import Cron

from flows.nightly import nightly

DEPLOYMENT = "xxgk-nightly"


def nightly_deployment(sources_file: str, data_dir: str, cron: str = "0 2 * * *", timezone: str = "Asia/Shanghai",
                       dask_address: str | None = None):
    """The deployment object (tests inspect it; `serve_nightly` serves it)."""
    return nightly.to_deployment(
        name=DEPLOYMENT,
        schedule=Cron(cron, timezone=timezone),
        parameters={"sources_file": sources_file, "data_dir": data_dir, "dask_address": dask_address},
        description="Harvest every county portal of the registry, extract new documents, load the warehouse.",
        tags=["xxgk"],
    )


def serve_nightly(sources_file: str, data_dir: str, cron: str = "0 2 * * *", timezone: str = "Asia/Shanghai",
                  dask_address: str | None = None) -> None:
    from prefect import serve

    serve(nightly_deployment(sources_file, data_dir, cron, timezone, dask_address))
