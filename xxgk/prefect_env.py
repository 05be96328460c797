"""Where Prefect keeps its state when xxgk runs flows without a Prefect server of its own."""

from __future__ import annotations

import os
from pathlib import Path


def use_local_prefect(data_dir: str | os.PathLike) -> None:
    """Unless the user points at a Prefect server (PREFECT_API_URL) or home (PREFECT_HOME), run on
    Prefect's ephemeral local server with its database under the data folder, quietly."""
    if not os.environ.get("PREFECT_API_URL") and not os.environ.get("PREFECT_HOME"):
        home = Path(data_dir).resolve() / ".prefect"
        home.mkdir(parents=True, exist_ok=True)
        os.environ["PREFECT_HOME"] = str(home)
    os.environ.setdefault("PREFECT_LOGGING_LEVEL", "WARNING")
    os.environ.setdefault("PREFECT_SERVER_ANALYTICS_ENABLED", "false")
    os.environ.setdefault("DO_NOT_TRACK", "1")
    # On a busy machine the ephemeral server takes longer than Prefect's 20 s to answer.
    os.environ.setdefault("PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS", "120")
