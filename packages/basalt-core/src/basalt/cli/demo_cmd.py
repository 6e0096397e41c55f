"""``basalt demo``: synthesise a small market and run the demo pipeline end to end."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from basalt.cli.context import console
from basalt.cli.pipeline_cmd import _summary

app = typer.Typer(
    name="demo", help="Run the demo pipeline on a generated market.", invoke_without_command=True
)


@app.callback()
def demo(
    out: Annotated[Path, typer.Option(help="Folder for the lake, the outputs and the ledger.")] = Path(
        "basalt-demo"
    ),
    listings: Annotated[int, typer.Option(help="Instruments (each on XLON and BATE).")] = 3,
    seed: Annotated[int, typer.Option(help="Seed of the synthetic market.")] = 7,
    workers: Annotated[int, typer.Option(help="Worker processes.")] = 2,
) -> None:
    """Synthesise two days of a two-venue market into OUT/lake and run examples/demo.yaml into OUT/output."""
    from basalt.demo import run_demo

    out_console = console()
    out_console.print(f"Synthesising {listings} instruments × 2 venues × 2 days into {out / 'lake'} …")
    result = run_demo(out, listings=listings, seed=seed, workers=workers)
    _summary(result.report)
    out_console.print(f"Lake: {result.lake}\nOutputs: {result.output} (Parquet files and demo.db, SQLite)")
    out_console.print(
        f"Pipeline: {out / 'demo.yaml'} — try `basalt pipeline run -p {out / 'demo.yaml'} --dry-run`"
    )
