"""``basalt runs report RUN --html FILE``: one self-contained HTML page about a run.

The page needs nothing from the network (no CDN, no script): inline CSS and an
inline SVG timeline with one lane per worker process and one bar per batch
attempt, coloured by outcome, with the numbers in each bar's tooltip. Below it:
the summary, rows per pass, every attempt with its cause when it failed, and
the quality gates' results.
"""

from __future__ import annotations

from datetime import UTC, datetime
from html import escape
from typing import Any

from basalt.runs.store import Attempt, RunView

COLOURS = {"committed": "#2e7d32", "failed": "#c62828", "running": "#1565c0", "stopped": "#9e9e9e"}
"""Bar colour per attempt outcome."""
PLOT_WIDTH = 900
LANE_HEIGHT = 30
LABEL_WIDTH = 150
AXIS_HEIGHT = 30

CSS = """
body { font: 14px/1.45 system-ui, -apple-system, "Segoe UI", sans-serif; margin: 2em; color: #222; }
h1 { font-size: 1.4em; margin-bottom: .2em; } h2 { font-size: 1.1em; margin-top: 1.6em; }
table { border-collapse: collapse; margin: .5em 0; } td, th { padding: .25em .8em; text-align: left; }
th { background: #f0f0f0; } tr:nth-child(even) td { background: #fafafa; }
td.num { text-align: right; font-variant-numeric: tabular-nums; }
.status { font-weight: bold; padding: .1em .5em; border-radius: .3em; color: white; }
.succeeded { background: #2e7d32; } .failed, .died { background: #c62828; }
.running, .starting, .unfinished { background: #1565c0; } .interrupted { background: #ef6c00; }
.cause { color: #c62828; white-space: pre-wrap; font-family: ui-monospace, monospace; }
.legend span { display: inline-block; margin-right: 1.2em; }
.legend i { display: inline-block; width: .9em; height: .9em; margin-right: .3em; vertical-align: middle; }
svg text { font: 11px system-ui, sans-serif; }
"""


def _fmt_seconds(value: float | None) -> str:
    return "" if value is None else f"{value:,.2f} s"


def _table(headers: list[str] | None, rows: list[list[Any]], numeric: set[int] | None = None) -> str:
    numeric = numeric or set()
    head = (
        "<thead><tr>" + "".join(f"<th>{escape(h)}</th>" for h in headers) + "</tr></thead>" if headers else ""
    )
    body = "".join(
        "<tr>"
        + "".join(
            f'<td class="num">{escape(str(cell))}</td>' if i in numeric else f"<td>{escape(str(cell))}</td>"
            for i, cell in enumerate(row)
        )
        + "</tr>"
        for row in rows
    )
    return f"<table>{head}<tbody>{body}</tbody></table>"


def lanes(view: RunView) -> dict[int | None, int]:
    """Worker pid → lane number (0, 1, …) in the order workers first started a batch."""
    order: dict[int | None, int] = {}
    for attempt in view.attempts:
        order.setdefault(attempt.worker, len(order))
    return order


def _ends(view: RunView) -> tuple[datetime, datetime]:
    starts = [a.started for a in view.attempts]
    first = min([view.started, *starts] if view.started else starts)
    ends = [a.ended or a.started for a in view.attempts]
    if view.status in ("running", "starting"):
        ends.append(datetime.now(UTC))  # bars of batches in progress reach the present
    last = max([view.ended, *ends] if view.ended else ends)
    return first, last


def _tick_step(span: float) -> float:
    for step in (0.1, 0.2, 0.5, 1, 2, 5, 10, 15, 30, 60, 120, 300, 600, 900, 1800, 3600, 7200):
        if span / step <= 10:
            return step
    return span / 10


def timeline_svg(view: RunView) -> str:
    """The timeline: one lane per worker, one bar per attempt (x: seconds since the run started)."""
    if not view.attempts:
        return "<p>No batch has started.</p>"
    order = lanes(view)
    first, last = _ends(view)
    span = max((last - first).total_seconds(), 1e-3)
    scale = PLOT_WIDTH / span
    height = AXIS_HEIGHT + LANE_HEIGHT * len(order) + 10
    width = LABEL_WIDTH + PLOT_WIDTH + 20
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" class="timeline" width="{width}" height="{height}" '
        f'viewBox="0 0 {width} {height}" role="img" aria-label="batches per worker over time">'
    ]
    for worker, lane in order.items():
        y = AXIS_HEIGHT + lane * LANE_HEIGHT
        fill = "#f7f7f7" if lane % 2 == 0 else "#ffffff"
        parts.append(f'<rect x="0" y="{y}" width="{width}" height="{LANE_HEIGHT}" fill="{fill}"/>')
        label = f"worker {lane + 1}" + (f" (pid {worker})" if worker else "")
        parts.append(f'<text class="lane" x="6" y="{y + LANE_HEIGHT / 2 + 4}">{escape(label)}</text>')
    step = _tick_step(span)
    tick = 0.0
    while tick <= span + 1e-9:
        x = LABEL_WIDTH + tick * scale
        parts.append(
            f'<line x1="{x:.1f}" y1="{AXIS_HEIGHT - 4}" x2="{x:.1f}" y2="{height - 10}" stroke="#ddd"/>'
        )
        parts.append(f'<text x="{x:.1f}" y="{AXIS_HEIGHT - 10}" text-anchor="middle">{tick:g} s</text>')
        tick += step
    for attempt in view.attempts:
        parts.append(_bar(attempt, order[attempt.worker], first, last, scale))
    parts.append("</svg>")
    return "".join(parts)


def _bar(attempt: Attempt, lane: int, first: datetime, last: datetime, scale: float) -> str:
    start = (attempt.started - first).total_seconds()
    end = ((attempt.ended or last) - first).total_seconds()
    x = LABEL_WIDTH + start * scale
    bar_width = max((end - start) * scale, 2.0)
    y = AXIS_HEIGHT + lane * LANE_HEIGHT + 4
    tip = f"{attempt.batch} attempt {attempt.number} on worker {attempt.worker}: {attempt.outcome}"
    tip += f", {end - start:.2f} s"
    if attempt.outcome == "committed":
        tip += f", {attempt.rows:,} rows"
    if attempt.reason:
        tip += f"\n{attempt.reason}"
    label = attempt.batch.split("_")[0] + (f" #{attempt.number}" if attempt.number > 1 else "")
    text = (
        f'<text x="{x + 4:.1f}" y="{y + LANE_HEIGHT / 2 + 1}" fill="white">{escape(label)}</text>'
        if bar_width > 7 * len(label)
        else ""
    )
    return (
        f'<g><rect class="attempt {attempt.outcome}" x="{x:.1f}" y="{y}" width="{bar_width:.1f}" '
        f'height="{LANE_HEIGHT - 8}" rx="3" fill="{COLOURS.get(attempt.outcome, "#777")}" '
        f'data-batch="{escape(attempt.batch)}" data-attempt="{attempt.number}" '
        f'data-worker="{attempt.worker or ""}" data-lane="{lane}" '
        f'data-start="{start:.3f}" data-end="{end:.3f}" data-outcome="{attempt.outcome}">'
        f"<title>{escape(tip)}</title></rect>{text}</g>"
    )


def render_html(view: RunView) -> str:
    """The whole page for ``view``."""
    summary = view.summary()
    facts = [
        ["run", view.run_id],
        ["dataset", view.dataset],
        ["pipeline", view.pipeline or ""],
        ["dates", summary["dates"]],
        [
            "batches",
            f"{summary['done']} of {view.batches} done, {len(view.failed)} failed, "
            f"{len(view.retried)} retried",
        ],
        ["rows written", f"{view.total_rows:,}"],
        ["wall time", _fmt_seconds(view.seconds)],
        ["rows per second", f"{view.total_rows / view.seconds:,.0f}" if view.seconds else ""],
        ["peak worker memory", f"{view.peak_rss_mb:,.0f} MiB"],
        ["started", summary["started"] or ""],
        ["started by", view.started_by],
        ["ledger", str(view.run_dir)],
    ]
    legend = "".join(
        f'<span><i style="background:{colour}"></i>{escape(outcome)}</span>'
        for outcome, colour in COLOURS.items()
    )
    passes = _table(
        ["pass", "rows"], [[name, f"{rows:,}"] for name, rows in sorted(view.rows.items())], numeric={1}
    )
    attempts = _table(
        ["batch", "attempt", "worker", "outcome", "seconds", "rows", "cause"],
        [
            [
                a.batch,
                a.number,
                a.worker or "",
                a.outcome,
                _fmt_seconds(((a.ended - a.started).total_seconds()) if a.ended else None),
                f"{a.rows:,}" if a.outcome == "committed" else "",
                _cause_text(a),
            ]
            for a in view.attempts
        ],
        numeric={1, 4, 5},
    )
    per_pass = _table(
        ["batch", "attempt", "pass", "outputs", "rows", "seconds"],
        [
            [s.batch, s.attempt, s.pass_name, s.outputs, f"{s.rows:,}", f"{s.seconds:.3f}"]
            for s in view.passes
        ],
        numeric={1, 3, 4, 5},
    )
    sections = [
        f"<h1>Basalt run {escape(view.run_id)} "
        f'<span class="status {escape(view.status)}">{escape(view.status)}</span></h1>',
        _table(None, facts),
    ]
    if view.cause or view.error:
        cause = view.cause or {}
        text = f"{cause.get('type', '')}: {cause.get('message', '')}".strip(": ") or (view.error or "")
        sections.append(f'<h2>Cause of failure</h2><p class="cause">{escape(text)}</p>')
    sections += [
        "<h2>Timeline of batches per worker</h2>",
        f'<div class="legend">{legend}</div>',
        timeline_svg(view),
        "<h2>Rows per pass</h2>",
        passes,
    ]
    if view.quality:
        sections += ["<h2>Quality gates</h2>", _quality_table(view.quality)]
    sections += ["<h2>Batch attempts</h2>", attempts, "<h2>Passes per batch</h2>", per_pass]
    title = f"Basalt run {view.run_id} ({view.dataset}): {view.status}"
    return (
        '<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8">'
        f"<title>{escape(title)}</title><style>{CSS}</style></head>"
        f"<body>{''.join(sections)}</body></html>\n"
    )


def _cause_text(attempt: Attempt) -> str:
    if attempt.error:
        return f"{attempt.error.get('type')}: {attempt.error.get('message')}"
    return attempt.reason


def _quality_table(entries: list[dict[str, Any]]) -> str:
    return _table(
        ["pass", "rule", "column", "severity", "checked", "failed", "result"],
        [
            [
                e["pass"],
                e["rule"],
                e["column"],
                e["severity"],
                e["checked"],
                e["failed"],
                e["first_failure"] or e["message"],
            ]
            for e in entries
        ],
        numeric={4, 5},
    )


__all__ = ["COLOURS", "lanes", "render_html", "timeline_svg"]
