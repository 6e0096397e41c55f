"""``basalt pipeline run`` on a terminal shows a progress bar; piped, it prints the summary alone."""

from __future__ import annotations

import os
import pty
import subprocess
import sys
from pathlib import Path

import polars as pl

from bmll_sample import SAMPLE_DAY, write_sample_lake

PIPELINE = """
START_DATE: {day}
END_DATE: {day}
DATASETNAME: tty
UNIVERSE: mic=XLON
SOURCE: {{type: local, root: {lake}}}
OUTPUT_TARGET: {{type: parquet, root: {out}}}
PASSES:
  - name: bars
    modules: [trade]
"""


def _pipeline(tmp_path: Path) -> Path:
    lake = write_sample_lake(tmp_path / "lake")
    path = tmp_path / "pipeline.yaml"
    path.write_text(PIPELINE.format(day=SAMPLE_DAY, lake=lake, out=tmp_path / "out"))
    return path


def _command(path: Path, tmp_path: Path) -> list[str]:
    state = str(tmp_path / "s")
    return [sys.executable, "-m", "basalt", "pipeline", "run", "-p", str(path), "--state-dir", state]


def test_a_run_on_a_terminal_draws_the_bar_and_succeeds(tmp_path: Path) -> None:
    path = _pipeline(tmp_path)
    leader, follower = pty.openpty()
    process = subprocess.Popen(_command(path, tmp_path), stdout=follower, stderr=follower, stdin=follower)
    os.close(follower)
    chunks = []
    while True:
        try:
            chunk = os.read(leader, 65536)
        except OSError:  # the terminal closed: the process is done
            break
        if not chunk:
            break
        chunks.append(chunk)
    assert process.wait(timeout=120) == 0
    os.close(leader)
    shown = b"".join(chunks).decode(errors="replace")
    assert "\x1b[?25l" in shown  # rich's live progress bar hid the cursor while it drew
    assert "succeeded" in shown
    written = pl.read_parquet(tmp_path / "out" / "tty" / "bars", hive_partitioning=False)
    assert written.height > 0


def test_a_piped_run_prints_only_the_summary(tmp_path: Path) -> None:
    path = _pipeline(tmp_path)
    done = subprocess.run(_command(path, tmp_path), capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    assert "succeeded" in done.stdout
    assert "1 batches committed" in done.stdout
    assert "\x1b[" not in done.stdout  # no cursor control: nothing was drawn
