"""The `xxgk` command line. Each subcommand lives in its own module under `xxgk/commands/`."""

from __future__ import annotations

from importlib import import_module

import click

# Each module defines `command`, a click command or group; the order here is the order of --help.
COMMAND_MODULES = ["demo", "nightly", "serve", "extract", "sources", "harvest", "portal", "load", "query", "summary", "review", "desk"]


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="xxgk")
def cli() -> None:
    """Harvest, extract, check and summarise 政府信息公开工作年度报告."""


for _name in COMMAND_MODULES:
    cli.add_command(import_module(f"xxgk.commands.{_name}").command)


def main() -> None:
    cli(prog_name="xxgk")
