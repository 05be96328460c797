"""Where tables are printed: a terminal keeps its width; a pipe or a log gets one wide enough for
the summary tables (rich would otherwise fold them to 80 columns)."""

from __future__ import annotations

import math
import sys

from rich.console import Console

PIPE_WIDTH = 200


def table_console() -> Console:
    return Console() if sys.stdout.isatty() else Console(width=PIPE_WIDTH)


def number(value) -> str:
    """A figure as people write it: 223 (not 223.0 or 2.23e+02), an amount with two decimals at
    most, blank where there is none (None, NaN, pandas' NA)."""
    if is_missing(value):
        return ""
    if isinstance(value, float):
        return str(int(value)) if value.is_integer() else f"{value:.2f}".rstrip("0").rstrip(".")
    return str(value)


def percent(value) -> str:
    """A rate (a fraction in the warehouse) as a percentage: 0.1619 -> 16.2%."""
    if is_missing(value):
        return ""
    return f"{float(value):.1%}"


def is_missing(value) -> bool:
    # pandas' NA is told by its type's name: no pandas import for the commands that do not need it.
    return value is None or (isinstance(value, float) and math.isnan(value)) or type(value).__name__ == "NAType"

