"""`xxgk portal --demo`: serve the generated demo county portal (invented data) on 127.0.0.1."""

from __future__ import annotations

import threading

import click

from xxgk.portal import serve_demo


@click.command("portal")
@click.option("--demo", is_flag=True, required=True, help="Serve the generated demo portal (the only mode for now).")
@click.option("--port", default=8765, show_default=True, help="Port on 127.0.0.1 (0: any free port).")
@click.option("--reports", default=24, show_default=True, help="Number of generated reports.")
@click.option("--page-size", default=10, show_default=True, help="Entries per listing page.")
@click.option("--faults/--no-faults", default=True, show_default=True, help="Add the column of faulty documents.")
@click.option("--county", "whole_county", is_flag=True,
              help="Serve a whole county instead: the county's column, 20 departments and 8 townships with their own "
                   "columns, found from the root (xxgk/portal/county.py).")
def command(demo: bool, port: int, reports: int, page_size: int, faults: bool, whole_county: bool) -> None:
    """Serve a fake county portal of generated, invented reports until interrupted."""
    if whole_county:
        from xxgk.portal.county import serve_county

        served, site = serve_county(port=port)
        base = served.base_url
        click.echo(f"demo county portal (generated data, not real government information) at {base}: "
                   f"{len(site.columns)} 年报 columns to find from {base}/index.html", err=True)
    else:
        served = serve_demo(reports=reports, faults=faults, page_size=page_size, port=port)
        base = served.base_url
        click.echo(f"demo portal (generated data, not real government information) at {base}", err=True)
        click.echo(f"start URLs: {base}/xxgk/xxgknb/index.html {base}/ndbg/index.html {base}/xxgk/zfxxgknb/index.html", err=True)
    click.echo(base, err=False)  # first line on stdout: the base URL, for scripts
    try:
        threading.Event().wait()
    except KeyboardInterrupt:
        pass
    finally:
        served.stop()
