"""``cecert`` run as a real process, as a clerk runs it, and what a clean failure looks like."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

PASSPHRASE = "cli test passphrase"


def run(
    *args: str, env: dict[str, str] | None = None, home: Path | None = None
) -> subprocess.CompletedProcess[str]:
    environment = {k: v for k, v in os.environ.items() if not k.startswith("CECERT_")}
    environment.update(env or {})
    command = [sys.executable, "-m", "cecert", *args]
    if home is not None:
        command += ["--home", str(home)]
    return subprocess.run(
        command, capture_output=True, text=True, env=environment, stdin=subprocess.DEVNULL
    )


def assert_clean_failure(result: subprocess.CompletedProcess[str], reason: str) -> None:
    assert result.returncode != 0
    assert "Traceback" not in result.stderr + result.stdout
    assert f"[{reason}]" in result.stderr + result.stdout, result.stderr + result.stdout
