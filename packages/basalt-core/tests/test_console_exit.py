"""The ``basalt`` console script exits at once after a command, yet keeps exit codes, output and
``atexit`` handlers (and waits for threads a command left running)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

SCRIPT = """
import atexit, sys, threading, time
from pathlib import Path
from basalt.cli import console_main

marker = Path(sys.argv[1])


class Finalised:
    def __del__(self):
        marker.with_suffix(".finalised").write_text("torn down")


kept = Finalised()  # a module global: only interpreter finalisation would delete it
atexit.register(lambda: marker.with_suffix(".atexit").write_text("ran"))
if sys.argv[2] == "thread":
    def late():
        time.sleep(0.3)
        marker.with_suffix(".thread").write_text("finished")
    threading.Thread(target=late).start()
sys.argv = ["basalt", *sys.argv[3:]]
console_main()
"""


def _run(tmp_path: Path, mode: str, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-c", SCRIPT, str(tmp_path / "m"), mode, *args], capture_output=True, text=True
    )


def test_output_exit_code_and_atexit_survive_the_quick_exit(tmp_path: Path) -> None:
    done = _run(tmp_path, "plain", "--version")
    assert done.returncode == 0
    assert "bmll-basalt" in done.stdout
    assert (tmp_path / "m.atexit").read_text() == "ran"
    assert not (tmp_path / "m.finalised").exists(), "finalisation (the slow part) was skipped"


def test_a_failing_command_keeps_its_exit_code_and_message(tmp_path: Path) -> None:
    done = _run(tmp_path, "plain", "pipeline", "run", "-p", str(tmp_path / "missing.yaml"))
    assert done.returncode == 2
    assert "missing.yaml" in done.stderr
    assert (tmp_path / "m.atexit").exists()


def test_threads_left_running_are_waited_for(tmp_path: Path) -> None:
    done = _run(tmp_path, "thread", "--version")
    assert done.returncode == 0
    assert (tmp_path / "m.thread").read_text() == "finished"
    assert (tmp_path / "m.atexit").exists()
    assert (tmp_path / "m.finalised").exists(), "with a thread left running the normal exit is kept"


def test_python_dash_m_basalt_uses_it_too() -> None:
    done = subprocess.run([sys.executable, "-m", "basalt", "--version"], capture_output=True, text=True)
    assert done.returncode == 0
    assert "bmll-basalt" in done.stdout
