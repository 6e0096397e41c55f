"""``basalt demo``: a small synthetic market, the demo pipeline, and where the outputs are.

The pipeline is ``examples/demo.yaml`` in the repository; a copy ships inside the
package (``basalt/demo/demo.yaml``) so an installed Basalt can run it too.
"""

from __future__ import annotations

from dataclasses import dataclass
from importlib.resources import files
from pathlib import Path

from basalt.engine.loader import load_pipeline
from basalt.engine.runner import RunReport, reroot_outputs, run_pipeline
from basalt.synth import SynthConfig, write_lake

DEMO_SESSION_SCALE = 0.25
"""Quarter-length sessions keep the demo under a minute on two cores."""
DEMO_MESSAGES_PER_DAY = 20_000


@dataclass(frozen=True)
class DemoResult:
    """Where the demo put its lake and outputs, and the run's report."""

    lake: Path
    output: Path
    report: RunReport


def demo_pipeline_text() -> str:
    """The packaged demo pipeline (identical to ``examples/demo.yaml``)."""
    return files("basalt.demo").joinpath("demo.yaml").read_text()


def run_demo(out: Path, *, listings: int = 3, seed: int = 7, workers: int = 2) -> DemoResult:
    """Synthesise ``out/lake`` (two days, XLON + BATE) and run the demo pipeline into ``out/output``."""
    out.mkdir(parents=True, exist_ok=True)
    pipeline_path = out / "demo.yaml"
    pipeline_path.write_text(demo_pipeline_text())
    first = load_pipeline(pipeline_path).config
    lake, output = out / "lake", out / "output"
    synth = SynthConfig(
        start_date=first.START_DATE,
        end_date=first.END_DATE,
        listings=listings,
        mics=("XLON", "BATE"),
        seed=seed,
        session_scale=DEMO_SESSION_SCALE,
        messages_per_day=DEMO_MESSAGES_PER_DAY,
    )
    write_lake(synth, lake, workers=workers)
    data = first.model_dump(mode="json")
    data["SOURCE"] = {"type": "local", "root": str(lake)}
    data["NUM_WORKERS"] = workers
    pipeline = load_pipeline(pipeline_path, data=reroot_outputs(data, output))
    report = run_pipeline(pipeline, state_dir=out / ".basalt")
    return DemoResult(lake=lake, output=output, report=report)
