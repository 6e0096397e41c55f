"""Measure one command in a fresh process: wall time, CPU time and peak RSS of its process tree.

The command is started by a tiny stub (:mod:`basalt_bench._spawn`, see there
why) which reports, from ``os.wait4``:

* wall — from just before the command is spawned to its exit;
* CPU — user + system time of the command plus that of every descendant it
  waited for (Basalt joins its worker processes, so they are included);
* peak RSS — ``ru_maxrss``: Linux reports the maximum of the command's own
  peak and the peaks of the descendants it waited for, i.e. the largest single
  process of the tree (not the sum of processes running at the same time).
"""

from __future__ import annotations

import dataclasses
import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path

STUB = Path(__file__).with_name("_spawn.py")


@dataclasses.dataclass(frozen=True)
class Measurement:
    """What one run of a contender cost."""

    wall: float
    cpu: float
    peak_rss_mb: float
    stdout: str


class CommandFailedError(RuntimeError):
    """A contender's process exited non-zero."""


def measure(command: list[str], *, env: dict[str, str] | None = None) -> Measurement:
    """Run ``command`` to completion and measure it (raises :class:`CommandFailedError` on failure)."""
    environment = {**os.environ, **(env or {})}
    with tempfile.TemporaryDirectory(prefix="basalt-bench-") as tmp:
        out, err = Path(tmp) / "stdout", Path(tmp) / "stderr"
        stub = subprocess.run(
            [sys.executable, "-S", str(STUB), str(out), str(err), *command],
            env=environment,
            capture_output=True,
            text=True,
            check=False,
        )
        if stub.returncode != 0:
            raise CommandFailedError(f"could not start {command[0]}: {stub.stderr[-2000:]}")
        usage = json.loads(stub.stdout)
        stdout = out.read_text() if out.exists() else ""
        stderr = err.read_text() if err.exists() else ""
    if usage["exit"] != 0:
        raise CommandFailedError(
            f"{' '.join(command)} exited {usage['exit']}:\n{stderr[-4000:]}{stdout[-2000:]}"
        )
    return Measurement(
        wall=usage["wall"],
        cpu=usage["user"] + usage["system"],
        peak_rss_mb=usage["maxrss_kib"] / 1024,
        stdout=stdout,
    )


def python_module(module: str, *args: str) -> list[str]:
    """Command running ``python -m module args`` with this interpreter."""
    return [sys.executable, "-m", module, *args]
