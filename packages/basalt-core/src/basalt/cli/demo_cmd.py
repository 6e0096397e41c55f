"""``basalt demo``: synthesise a small market and run the demo pipeline end to end."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.markup import escape

from basalt.cli.context import console, error_console
from basalt.cli.pipeline_cmd import _summary

app = typer.Typer(
    name="demo", help="Run the demo pipeline on a generated market.", invoke_without_command=True
)


@app.callback()
def demo(
    out: Annotated[Path, typer.Option(help="Folder for the lake, the outputs and the ledger.")] = Path(
        "basalt-demo"
    ),
    listings: Annotated[int, typer.Option(min=1, help="Instruments (each on XLON and BATE).")] = 3,
    seed: Annotated[int, typer.Option(min=0, help="Seed of the synthetic market.")] = 7,
    workers: Annotated[int, typer.Option(min=1, help="Worker processes.")] = 2,
) -> None:
    """Synthesise two days of a two-venue market into OUT/lake and run examples/demo.yaml into OUT/output.

    Without the [sql] extra, the SQLite pass is written as Parquet instead (the demo says so first).
    """
    from basalt.demo import prepare_demo, run_demo

    setup = prepare_demo(out, workers=workers)  # every problem is found before anything is generated
    for note in setup.notes:
        error_console().print(f"[yellow]note:[/] {escape(note)}", soft_wrap=True, highlight=False)
    out_console = console()
    out_console.print(f"Synthesising {listings} instruments × 2 venues × 2 days into {out / 'lake'} …")
    result = run_demo(out, listings=listings, seed=seed, workers=workers, setup=setup)
    _summary(result.report)
    kinds = sorted({location.split(":", 1)[0] for location in result.report.outputs.values()})
    out_console.print(f"Lake: {result.lake}\nOutputs: {result.output} ({', '.join(kinds)})", highlight=False)
    out_console.print(
        f"Pipeline: {out / 'demo.yaml'} — try `basalt pipeline run -p {out / 'demo.yaml'} --dry-run`",
        highlight=False,
    )
