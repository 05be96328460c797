"""Every command of the CLI is documented in the README (as sqlite-utils does)."""

from __future__ import annotations

import click

from conftest import REPO
from xxgk.cli import cli


def _commands(group: click.Group, prefix: str = "xxgk") -> list[str]:
    names = []
    commands = group.all_commands() if hasattr(group, "all_commands") else group.commands
    for name, command in commands.items():
        names.append(f"{prefix} {name}")
        if isinstance(command, click.Group):
            names.extend(_commands(command, f"{prefix} {name}"))
    return names


def test_every_command_is_in_the_readme():
    readme = (REPO / "README.md").read_text(encoding="utf-8")
    missing = [name for name in _commands(cli) if name not in readme]
    assert not missing, f"commands not documented in README.md: {missing}"


def test_every_command_has_help():
    for name, command in cli.all_commands().items():
        assert command.help and command.help.strip(), f"xxgk {name} has no help text"


def test_commands_load_lazily():
    # `xxgk extract` must not import what other commands use (the harvester, pandas, the warehouse).
    import subprocess
    import sys

    code = ("import sys\nfrom click.testing import CliRunner\nfrom xxgk.cli import cli\n"
            "CliRunner().invoke(cli, ['extract', '--help'])\n"
            "print(' '.join(m for m in ('pandas', 'duckdb', 'prefect', 'extract.harvest', 'warehouse') if m in sys.modules))")
    loaded = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, cwd=REPO).stdout.strip()
    assert loaded == "", f"xxgk extract imports {loaded}"
