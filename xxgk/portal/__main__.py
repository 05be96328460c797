"""`python -m xxgk.portal --demo [--port N] ...`: the `xxgk portal` command on its own."""

from xxgk.commands.portal import command

if __name__ == "__main__":
    command(prog_name="python -m xxgk.portal")
