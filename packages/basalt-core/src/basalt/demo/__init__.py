"""``basalt demo``: a small synthetic market, the demo pipeline, and where the outputs are.

The pipeline is ``examples/demo.yaml`` in the repository; a copy ships inside the
package (``basalt/demo/demo.yaml``) so an installed Basalt can run it too.

On a core-only install (no ``[sql]`` extra) the demo still runs: a pass whose
writer's engine is missing is written as Parquet instead, and the demo says so
before it starts (:func:`prepare_demo`). Any other problem stops it before the
market is synthesised.
"""

from __future__ import annotations

from dataclasses import dataclass
from importlib.resources import files
from pathlib import Path
from typing import Any

from basalt.engine.checks import static_problems
from basalt.engine.errors import ConfigError
from basalt.engine.loader import Pipeline, load_pipeline
from basalt.engine.resolve import resolve
from basalt.engine.runner import RunReport, reroot_outputs, run_pipeline
from basalt.plugins.manager import get_plugin_manager
from basalt.synth import SynthConfig, write_lake
from basalt.writers.base import OutputPartition

DEMO_SESSION_SCALE = 0.25
"""Quarter-length sessions keep the demo under a minute on two cores."""
DEMO_MESSAGES_PER_DAY = 20_000


@dataclass(frozen=True)
class DemoSetup:
    """The demo's pipeline, ready to run once the lake is written, and what it changed to run here."""

    pipeline: Pipeline
    lake: Path
    output: Path
    notes: tuple[str, ...]
    """Fallbacks taken (e.g. a pass written as Parquet because SQLAlchemy is missing)."""


@dataclass(frozen=True)
class DemoResult:
    """Where the demo put its lake and outputs, and the run's report."""

    lake: Path
    output: Path
    report: RunReport
    notes: tuple[str, ...] = ()


def demo_pipeline_text() -> str:
    """The packaged demo pipeline (identical to ``examples/demo.yaml``)."""
    return files("basalt.demo").joinpath("demo.yaml").read_text()


def _fall_back_to_parquet(data: dict[str, Any], pipeline: Pipeline, output: Path) -> list[str]:
    """Point every pass whose writer cannot run here (missing engine) at Parquet under ``output``."""
    resolved = resolve(pipeline, get_plugin_manager())
    notes = []
    for index, resolved_pass in enumerate(resolved.passes):
        config = pipeline.config
        partition = OutputPartition(config.DATASETNAME, resolved_pass.name, config.START_DATE, ())
        problems = resolved_pass.writer.check(partition)
        if not problems:
            continue
        data["PASSES"][index]["output"] = {"type": "parquet", "root": str(output)}
        notes.append(
            f"pass {resolved_pass.name!r} is written as Parquet under {output} instead of with the "
            f"{resolved_pass.writer.NAME} writer: {'; '.join(problems)}"
        )
    return notes


def prepare_demo(out: Path, *, workers: int = 2) -> DemoSetup:
    """Write ``out/demo.yaml`` and check the pipeline the demo will run, before any data exists.

    Raises:
        ConfigError: A problem that would stop the run (other than the lake, written next).
    """
    out.mkdir(parents=True, exist_ok=True)
    pipeline_path = out / "demo.yaml"
    pipeline_path.write_text(demo_pipeline_text())
    first = load_pipeline(pipeline_path).config
    lake, output = out / "lake", out / "output"
    data = first.model_dump(mode="json")
    data["SOURCE"] = {"type": "local", "root": str(lake)}
    data["NUM_WORKERS"] = workers
    data = reroot_outputs(data, output)
    notes = _fall_back_to_parquet(data, load_pipeline(pipeline_path, data=data), output)
    pipeline = load_pipeline(pipeline_path, data=data)
    problems = [
        p for p in static_problems(resolve(pipeline, get_plugin_manager())) if not p.startswith("SOURCE")
    ]
    if problems:
        raise ConfigError(problems, source=str(pipeline_path))
    return DemoSetup(pipeline=pipeline, lake=lake, output=output, notes=tuple(notes))


def run_demo(
    out: Path, *, listings: int = 3, seed: int = 7, workers: int = 2, setup: DemoSetup | None = None
) -> DemoResult:
    """Synthesise ``out/lake`` (two days, XLON + BATE) and run the demo pipeline into ``out/output``."""
    setup = setup or prepare_demo(out, workers=workers)
    config = setup.pipeline.config
    synth = SynthConfig(
        start_date=config.START_DATE,
        end_date=config.END_DATE,
        listings=listings,
        mics=("XLON", "BATE"),
        seed=seed,
        session_scale=DEMO_SESSION_SCALE,
        messages_per_day=DEMO_MESSAGES_PER_DAY,
    )
    write_lake(synth, setup.lake, workers=workers)
    report = run_pipeline(setup.pipeline, state_dir=out / ".basalt")
    return DemoResult(lake=setup.lake, output=setup.output, report=report, notes=setup.notes)
