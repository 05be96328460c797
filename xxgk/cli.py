"""The `xxgk` command line. Each subcommand lives in its own module under `xxgk/commands/`.

Commands load lazily: `xxgk extract` imports the extract module and what it uses, not the
harvester, pandas or the warehouse (start-up is most of a one-document run). A new command is a
module `xxgk/commands/<name>.py` defining `command` (a click command or group named <name>) and
its name in COMMAND_MODULES; nothing else.
"""

from __future__ import annotations

from importlib import import_module

import click

# Each module defines `command`, a click command or group; the order here is the order of --help.
COMMAND_MODULES = ["demo", "nightly", "serve", "extract", "sources", "harvest", "portal", "load", "query", "summary", "review"]


class LazyGroup(click.Group):
    """A group whose subcommands are imported from `xxgk.commands.<name>` when first used."""

    def __init__(self, *args, modules: list[str], **kwargs):
        super().__init__(*args, **kwargs)
        self.modules = list(modules)

    def list_commands(self, ctx: click.Context) -> list[str]:
        return self.modules + sorted(n for n in self.commands if n not in self.modules)

    def get_command(self, ctx: click.Context, name: str) -> click.Command | None:
        if name not in self.commands and name in self.modules:
            command = import_module(f"xxgk.commands.{name}").command
            if command.name != name:
                raise RuntimeError(f"xxgk/commands/{name}.py defines the command {command.name!r}, not {name!r}")
            self.commands[name] = command
        return self.commands.get(name)

    def all_commands(self) -> dict[str, click.Command]:
        """Every subcommand, imported (for documentation and tests)."""
        ctx = click.Context(self)
        return {name: self.get_command(ctx, name) for name in self.list_commands(ctx)}


@click.group(cls=LazyGroup, modules=COMMAND_MODULES, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="xxgk")
def cli() -> None:
    """Harvest, extract, check and summarise 政府信息公开工作年度报告."""


def main() -> None:
    cli(prog_name="xxgk")
