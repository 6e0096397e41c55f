"""``basalt runs …``: what ran, what failed, how fast — read from the run ledger (a thin layer).

Every command reads the ledger ``basalt pipeline run`` writes under ``--state-dir``
(default ``.basalt``); none of them touches outputs. ``RUN`` is a run id, a unique
prefix of one, or ``last``.
"""

from __future__ import annotations

import dataclasses
import sys
import time
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.markup import escape
from rich.table import Table as RichTable

from basalt.cli.context import console, print_json
from basalt.runs.html import render_html
from basalt.runs.live import FINAL, watch
from basalt.runs.prune import PruneArgumentError, delete, parse_age, select
from basalt.runs.store import RunView, find, fold_run, list_runs

app = typer.Typer(name="runs", help="Inspect, watch, report and prune runs.", no_args_is_help=True)

StateDir = Annotated[Path, typer.Option(help="The run ledger (what `pipeline run --state-dir` used).")]
Dataset = Annotated[str | None, typer.Option(help="Only runs of this dataset.")]
RunArg = Annotated[str, typer.Argument(help="Run id, a unique prefix of one, or 'last'.")]
JsonFlag = Annotated[bool, typer.Option("--json", help="Print JSON.")]
DEFAULT_STATE = Path(".basalt")
LIST_COLUMNS = (
    "run",
    "dataset",
    "pipeline",
    "dates",
    "status",
    "done",
    "failed",
    "rows",
    "duration",
    "started by",
)


def _seconds(value: float) -> str:
    return f"{value:,.1f} s"


@app.command("list")
def list_(state_dir: StateDir = DEFAULT_STATE, dataset: Dataset = None, as_json: JsonFlag = False) -> None:
    """Every run, newest first: dates, status, batches done/failed, rows, duration, who started it."""
    rows = [fold_run(ledger).summary() for ledger in list_runs(state_dir, dataset)]
    if as_json:
        print_json(rows)
        return
    if not rows:
        console().print(f"No runs in {escape(str(state_dir))}.", highlight=False)
        return
    table = RichTable(title=f"Runs in {escape(str(state_dir))}")
    for column in LIST_COLUMNS:
        table.add_column(column, overflow="fold")
    for row in rows:
        table.add_row(
            escape(row["run_id"]),
            escape(row["dataset"]),
            escape(Path(row["pipeline"]).name if row["pipeline"] else ""),
            escape(row["dates"]),
            escape(row["status"]),
            f"{row['done']}/{row['batches']}",
            str(row["failed"]),
            f"{row['rows']:,}",
            _seconds(row["seconds"]),
            escape(row["started_by"]),
        )
    console().print(table)


def _as_dict(view: RunView) -> dict[str, Any]:
    data = dataclasses.asdict(view)
    data["run_dir"] = str(view.run_dir)
    data["seconds"] = round(view.seconds, 3)
    return data


def cause_line(view: RunView) -> str | None:
    """``RuntimeError: boom (culprit …)`` for a failed run, else None."""
    if view.cause:
        culprit = str(view.cause.get("culprit") or "")
        text = f"{view.cause.get('type')}: {view.cause.get('message')}"
        named = culprit.split(" ", 1)[-1]  # "column Volume" → "Volume": already in the message?
        return text + (f" ({culprit})" if culprit and named not in text else "")
    return view.error


@app.command("show")
def show(
    run: RunArg, state_dir: StateDir = DEFAULT_STATE, dataset: Dataset = None, as_json: JsonFlag = False
) -> None:
    """One run: per batch and pass rows, seconds, attempts, errors with their cause, quality gates."""
    view = fold_run(find(state_dir, run, dataset))
    if as_json:
        print_json(_as_dict(view))
        return
    out = console()
    summary = view.summary()
    out.print(
        escape(
            f"Run {view.run_id} of {view.dataset}: {view.status}. Dates {summary['dates']}; "
            f"{summary['done']}/{view.batches} batches done, {len(view.failed)} failed, "
            f"{len(view.retried)} retried; {view.total_rows:,} rows in {_seconds(view.seconds)}; "
            f"started by {view.started_by or '?'}; pipeline {view.pipeline or '?'}"
        ),
        highlight=False,
        soft_wrap=True,
    )
    cause = cause_line(view)
    if cause and view.status != "succeeded":
        out.print(f"[red]cause:[/] {escape(cause)}", highlight=False, soft_wrap=True)
    attempts = RichTable(title="Batch attempts")
    for column in ("batch", "attempt", "worker", "outcome", "seconds", "rows", "error", "log"):
        attempts.add_column(column, overflow="fold")
    for a in view.attempts:
        error = f"{a.error['type']}: {a.error['message']}" if a.error else a.reason
        took = (a.ended - a.started).total_seconds() if a.ended else None
        attempts.add_row(
            escape(a.batch),
            str(a.number),
            str(a.worker or ""),
            escape(a.outcome),
            "" if took is None else f"{took:.2f}",
            f"{a.rows:,}" if a.outcome == "committed" else "",
            escape(error),
            escape(a.log) if a.outcome != "committed" else "",
        )
    out.print(attempts)
    passes = RichTable(title="Passes per batch")
    for column in ("batch", "attempt", "pass", "outputs", "rows", "seconds"):
        passes.add_column(column)
    for s in view.passes:
        passes.add_row(
            escape(s.batch),
            str(s.attempt),
            escape(s.pass_name),
            str(s.outputs),
            f"{s.rows:,}",
            f"{s.seconds:.3f}",
        )
    out.print(passes)
    if view.quality:
        gates = RichTable(title="Quality gates")
        for column in ("pass", "rule", "column", "severity", "checked", "failed", "result"):
            gates.add_column(column, overflow="fold")
        for e in view.quality:
            gates.add_row(
                escape(e["pass"]),
                escape(e["rule"]),
                escape(e["column"]),
                escape(str(e["severity"])),
                str(e["checked"]),
                str(e["failed"]),
                escape(e["first_failure"] or e["message"]),
            )
        out.print(gates)


def _log_files(view: RunView, batch: str | None, attempt: int | None) -> list[Path]:
    pattern = f"batch-{batch or '*'}-attempt{attempt or '*'}.log"
    return sorted((view.run_dir / "logs").glob(pattern), key=lambda p: (p.stat().st_mtime, p.name))


@app.command("logs")
def logs(
    run: RunArg,
    batch: Annotated[
        str | None, typer.Option(help="Only this date batch (e.g. 2026-01-06_2026-01-06).")
    ] = None,
    attempt: Annotated[int | None, typer.Option(min=1, help="Only this attempt.")] = None,
    follow: Annotated[bool, typer.Option("--follow", "-f", help="Keep printing until the run ends.")] = False,
    interval: Annotated[float, typer.Option(min=0.05, help="Seconds between looks (--follow).")] = 0.5,
    state_dir: StateDir = DEFAULT_STATE,
    dataset: Dataset = None,
) -> None:
    """The logs of a run's batch attempts (worker output, tracebacks), oldest first."""
    ledger = find(state_dir, run, dataset)
    offsets: dict[Path, int] = {}
    while True:
        view = fold_run(ledger)
        for path in _log_files(view, batch, attempt):
            seen = offsets.get(path)
            with path.open("rb") as handle:
                handle.seek(seen or 0)
                chunk = handle.read()
            if seen is None:
                typer.echo(f"==> {path.name} <==")
            if chunk:
                sys.stdout.write(chunk.decode(errors="replace"))
                sys.stdout.flush()
            offsets[path] = (seen or 0) + len(chunk)
        if not follow or view.status in FINAL:
            if not offsets:
                which = f" of batch {batch}" if batch else ""
                typer.echo(f"run {view.run_id} has no logs{which} yet", err=True)
            return
        time.sleep(interval)


@app.command("watch")
def watch_(
    run: Annotated[str, typer.Argument(help="Run id, a unique prefix of one, or 'last'.")] = "last",
    once: Annotated[bool, typer.Option("--once", help="Show the run as it is now and exit.")] = False,
    plain: Annotated[bool, typer.Option("--plain", help="One line per change, even in a terminal.")] = False,
    interval: Annotated[float, typer.Option(min=0.05, help="Seconds between looks at the event log.")] = 0.5,
    state_dir: StateDir = DEFAULT_STATE,
    dataset: Dataset = None,
) -> None:
    """Follow a run live (works for a run started in another terminal): workers, done, failed, rows/s, ETA.

    Exits with 1 when the run failed, died or was interrupted, 0 when it succeeded.
    """
    out = console()
    view = watch(
        find(state_dir, run, dataset),
        console=out,
        live=out.is_terminal and not plain,
        once=once,
        interval=interval,
    )
    if not once and view.status != "succeeded":
        cause = cause_line(view)
        if cause:
            out.print(f"cause: {escape(cause)}", highlight=False, soft_wrap=True)
        raise typer.Exit(1)


@app.command("prune")
def prune(
    keep: Annotated[int | None, typer.Option(min=0, help="Keep the newest N runs of each dataset.")] = None,
    older_than: Annotated[
        str | None, typer.Option(help="Delete runs idle for longer than this: 30d, 12h, 2w.")
    ] = None,
    dry_run: Annotated[bool, typer.Option(help="Only list what would be deleted.")] = False,
    state_dir: StateDir = DEFAULT_STATE,
    dataset: Dataset = None,
) -> None:
    """Delete old runs from the ledger (events, reports, logs). Never touches outputs or running runs."""
    try:
        age = parse_age(older_than) if older_than is not None else None
        chosen = select(state_dir, keep=keep, older_than=age, dataset=dataset)
    except PruneArgumentError as exc:
        raise typer.BadParameter(str(exc)) from None
    for item in chosen:
        console().print(
            escape(
                f"{'would delete' if dry_run else 'deleting'} {item.ledger.dataset}/{item.ledger.run_id} "
                f"({item.status}, idle {item.age_days:.1f} days)"
            ),
            highlight=False,
        )
    removed = 0 if dry_run else delete(chosen)
    verb = "would delete" if dry_run else "deleted"
    console().print(
        f"{verb} {len(chosen) if dry_run else removed} run(s); outputs untouched.", highlight=False
    )


@app.command("report")
def report(
    run: RunArg,
    html: Annotated[Path, typer.Option("--html", help="Write a self-contained HTML page here.")],
    state_dir: StateDir = DEFAULT_STATE,
    dataset: Dataset = None,
) -> None:
    """A self-contained HTML page: summary, a timeline of batches per worker, causes, quality gates."""
    view = fold_run(find(state_dir, run, dataset))
    html.parent.mkdir(parents=True, exist_ok=True)
    html.write_text(render_html(view), encoding="utf-8")
    console().print(
        f"wrote {escape(str(html))} (run {escape(view.run_id)}, {escape(view.status)})", highlight=False
    )
