"""Where tables are printed: a terminal keeps its width; a pipe or a log gets one wide enough for
the summary tables (rich would otherwise fold them to 80 columns)."""

from __future__ import annotations

import sys

from rich.console import Console

PIPE_WIDTH = 200


def table_console() -> Console:
    return Console() if sys.stdout.isatty() else Console(width=PIPE_WIDTH)
