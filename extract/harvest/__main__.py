"""`python -m extract.harvest --sources FILE ...`: the `xxgk harvest` command without the rest of the CLI."""

from xxgk.commands.harvest import command

if __name__ == "__main__":
    command(prog_name="python -m extract.harvest")
