"""The processes of a local job: a supervisor, and the run it supervises.

``python -m basalt.jobs.local_proc supervise JOB_DIR`` is started by the ``local`` executor in a
new session (so closing the terminal, or its SIGHUP, does not reach it) with its output in the
job's log. It writes ``supervisor.pid``, starts ``… run JOB_DIR`` as its child (``run.pid``),
forwards SIGTERM/SIGINT to it, and records how it ended in ``exit.json`` — also when the run
crashed or was killed, which the run itself could not record.

``… run JOB_DIR`` runs the pipeline of ``job.json`` in-process with the engine's runner; when
the run starts it writes the run's ledger id to ``run_id``. Errors are printed as the CLI
prints them (``error: …``) and exit with the CLI's codes (143 after SIGTERM: resumable).
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from basalt._files import write_text_atomic

SUPERVISOR_PID = "supervisor.pid"
RUN_PID = "run.pid"
RUN_ID = "run_id"
EXIT = "exit.json"
CANCEL = "cancel"
LOG = "job.log"


def _stamp() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


def _say(text: str) -> None:
    print(f"[{_stamp()}] {text}", flush=True)


def supervise(folder: Path) -> int:
    """Run the job's run process, forward stop signals to it, record its exit; return its code."""
    write_text_atomic(folder / SUPERVISOR_PID, str(os.getpid()))
    child: subprocess.Popen[bytes] | None = None
    pending: list[int] = []

    def forward(signum: int, frame: Any) -> None:
        if child is not None and child.poll() is None:
            child.send_signal(signum)
        else:
            pending.append(signum)

    signal.signal(signal.SIGTERM, forward)
    signal.signal(signal.SIGINT, forward)
    signal.signal(signal.SIGHUP, signal.SIG_IGN)  # the terminal that started us may close
    _say(f"supervisor pid {os.getpid()} starting the run")
    child = subprocess.Popen([sys.executable, "-m", "basalt.jobs.local_proc", "run", str(folder)])
    write_text_atomic(folder / RUN_PID, str(child.pid))
    for signum in pending:
        child.send_signal(signum)
    code = child.wait()
    how = f"killed by {signal.Signals(-code).name}" if code < 0 else f"exit code {code}"
    _say(f"run process {child.pid} ended: {how}")
    write_text_atomic(folder / EXIT, json.dumps({"returncode": code, "finished": _stamp()}))
    return 0


def run(folder: Path) -> int:
    """Run the pipeline of ``folder/job.json``; return the exit code the CLI would."""
    from basalt.cli.errors import exit_code_of, message_of
    from basalt.engine.loader import load_pipeline
    from basalt.engine.runner import run_pipeline
    from basalt.jobs.base import JobRecord

    record = JobRecord.from_dict(json.loads((folder / "job.json").read_text()))
    request = record.request
    args = " ".join(request.run_args())
    _say(
        f"job {record.job_id}: basalt pipeline run -p {request.pipeline} {args} "
        f"--state-dir {request.state_dir}"
    )

    def progress(event: str, fields: dict[str, Any]) -> None:
        if event == "run_started":
            write_text_atomic(folder / RUN_ID, str(fields["run_id"]))
            _say(f"run {fields['run_id']} started: {fields['batches']} batches, {fields['skipped']} skipped")
        elif event == "batch_committed":
            _say(f"batch {fields['batch']} committed: {sum(fields['rows'].values()):,} rows")
        elif event == "batch_failed":
            _say(f"batch {fields['batch']} attempt {fields['attempt']} failed: {fields['reason']}")
        elif event == "run_finished":
            _say(f"run finished: {fields['status']}")

    try:
        pipeline = load_pipeline(
            request.pipeline, overrides=request.overrides(), assignments=list(request.assignments)
        )
        report = run_pipeline(pipeline, state_dir=request.state_dir, on_progress=progress)
    except BaseException as exc:
        if isinstance(exc, SystemExit):
            raise
        print(f"error: {message_of(exc)}", flush=True)
        return exit_code_of(exc) if not isinstance(exc, KeyboardInterrupt) else 130
    _say(f"run {report.run_id} {report.status}: {sum(report.rows.values()):,} rows; ledger {report.ledger}")
    return 0


def main(argv: list[str] | None = None) -> None:
    """``supervise JOB_DIR`` or ``run JOB_DIR``."""
    args = list(sys.argv[1:] if argv is None else argv)
    if len(args) != 2 or args[0] not in ("supervise", "run"):
        sys.exit("usage: python -m basalt.jobs.local_proc supervise|run JOB_DIR")
    folder = Path(args[1])
    sys.exit(supervise(folder) if args[0] == "supervise" else run(folder))


if __name__ == "__main__":
    main()
