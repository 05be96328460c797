"""`xxgk desk --data DIR [--host 127.0.0.1] [--port 8000] [--token T]`: the review desk in a browser."""

from __future__ import annotations

import click

from xxgk.desk.security import is_loopback, new_token


def desk_address(host: str, port: int, token: str | None) -> str:
    shown = f"[{host}]" if ":" in host else host
    return f"http://{shown}:{port}/" + (f"?token={token}" if token else "")


def serve_desk(data_dir: str, host: str = "127.0.0.1", port: int = 8000, token: str | None = None) -> None:
    """Serve the desk until interrupted (any address but the loopback needs a token: one is made)."""
    import uvicorn

    from xxgk.desk.app import create_app

    loopback = is_loopback(host)
    if not loopback and not token:
        token = new_token()
    app = create_app(data_dir, token=token, loopback_only=loopback, prefetch=True)
    click.echo(f"审核台 (review desk) on {desk_address(host, port, token)}  (data: {data_dir}; Ctrl+C to stop)")
    uvicorn.run(app, host=host, port=port, log_level="warning")


@click.command("desk")
@click.option("--data", "data_dir", default="data", show_default=True, type=click.Path(file_okay=False))
@click.option("--host", default="127.0.0.1", show_default=True, help="Address to serve on; any other than the loopback needs a token.")
@click.option("--port", default=8000, show_default=True, type=int)
@click.option("--token", default=None, envvar="XXGK_DESK_TOKEN", help="Access token (made and printed when serving beyond the loopback).")
def command(data_dir: str, host: str, port: int, token: str | None) -> None:
    """The review desk: check the county's reports, correct figures, download the county's tables."""
    serve_desk(data_dir, host, port, token)
