"""What ``validate`` / ``--dry-run`` check without data, and paths relative to the pipeline file."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

from basalt.cli import build_app
from basalt.demo import prepare_demo
from basalt.engine.checks import empty_range_problem, static_problems
from basalt.engine.loader import load_pipeline
from basalt.engine.resolve import resolve
from basalt.testing import make_plugin_manager

PIPELINE = """
START_DATE: 2026-01-05
END_DATE: 2026-01-06
DATASETNAME: chk
SOURCE: {type: local, root: lake}
OUTPUT_TARGET: {type: parquet, root: out}
TEMP_DIR: scratch
PASSES:
  - name: bars
    modules: [trade]
  - name: more
    modules: [trade]
    output: {type: sql, url: "sqlite:///out/chk.db"}
"""


def invoke(*args: str):
    manager = make_plugin_manager()
    return CliRunner().invoke(build_app(manager), list(args), obj=manager)


@pytest.fixture
def pipeline(tmp_path: Path) -> Path:
    """``tmp/project/p.yaml`` with its lake beside it."""
    folder = tmp_path / "project"
    (folder / "lake" / "trades").mkdir(parents=True)  # a (hive) lake, empty
    path = folder / "p.yaml"
    path.write_text(PIPELINE)
    return path


def test_relative_paths_in_a_pipeline_file_are_relative_to_its_folder(
    pipeline: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(pipeline.parent.parent)
    config = load_pipeline(Path("project/p.yaml")).config
    assert config.SOURCE.settings()["root"] == str(Path("project/lake"))
    assert config.OUTPUT_TARGET.settings()["root"] == str(Path("project/out"))
    assert config.PASSES[1].output.settings()["url"] == "sqlite:///project/out/chk.db"
    assert config.TEMP_DIR == Path("project/scratch")
    # From another working directory the same file means the same folders, and validates.
    result = invoke("pipeline", "validate", "project/p.yaml")
    assert result.exit_code == 0, result.output


def test_absolute_paths_urls_and_command_line_paths_are_kept(pipeline: Path, monkeypatch) -> None:
    text = PIPELINE.replace("root: lake", f"root: {pipeline.parent / 'lake'}").replace(
        "root: out", "root: s3://b/x"
    )
    pipeline.write_text(text.replace("sqlite:///out/chk.db", "sqlite:////abs/chk.db"))
    monkeypatch.chdir(pipeline.parent.parent)
    config = load_pipeline(
        Path("project/p.yaml"), overrides={"SOURCE": {"type": "local", "root": "cli-lake"}}
    ).config
    assert (
        config.SOURCE.settings()["root"] == "cli-lake"
    )  # typed on the command line: the working directory's
    assert config.OUTPUT_TARGET.settings()["root"] == "s3://b/x"
    assert config.PASSES[1].output.settings()["url"] == "sqlite:////abs/chk.db"


def test_a_writer_whose_engine_is_missing_names_the_extra(pipeline: Path, monkeypatch) -> None:
    monkeypatch.setitem(sys.modules, "sqlalchemy", None)  # imports of it fail, as on a core-only install
    for args in (
        ("pipeline", "validate", str(pipeline)),
        ("pipeline", "run", "-p", str(pipeline), "--dry-run"),
    ):
        result = invoke(*args)
        assert result.exit_code == 2, result.output
        assert "PASSES[1].output: the sql writer needs sqlalchemy" in result.output
        assert "pip install 'bmll-basalt[sql]'" in result.output


def test_static_problems_lists_each_problem_once_with_its_path(pipeline: Path, monkeypatch) -> None:
    monkeypatch.setitem(sys.modules, "sqlalchemy", None)
    (pipeline.parent / "lake" / "trades").rmdir()
    (pipeline.parent / "lake").rmdir()
    resolved = resolve(load_pipeline(pipeline), make_plugin_manager())
    problems = static_problems(resolved)
    assert [p.split(":")[0] for p in problems] == ["SOURCE", "PASSES[1].output"]


def test_empty_range_problem_only_without_trading_days(pipeline: Path) -> None:
    weekend = load_pipeline(pipeline, overrides={"START_DATE": "2026-01-10", "END_DATE": "2026-01-11"}).config
    assert (
        empty_range_problem(weekend)
        == "no trading day between 2026-01-10 and 2026-01-11: there is nothing to compute"
    )
    assert empty_range_problem(load_pipeline(pipeline).config) is None
    with_weekends = load_pipeline(pipeline, overrides={"START_DATE": "2026-01-10", "END_DATE": "2026-01-10"})
    assert empty_range_problem(with_weekends.config.model_copy(update={"EXCLUDE_WEEKENDS": False})) is None


def test_core_only_demo_falls_back_to_parquet_before_doing_anything(tmp_path: Path, monkeypatch) -> None:
    monkeypatch.setitem(sys.modules, "sqlalchemy", None)
    setup = prepare_demo(tmp_path / "demo")
    assert not setup.lake.exists()  # nothing synthesised yet
    (note,) = setup.notes
    assert "'bars15' is written as Parquet" in note
    assert "pip install 'bmll-basalt[sql]'" in note
    assert [p.output.type if p.output else None for p in setup.pipeline.config.PASSES] == [None, "parquet"]


def test_demo_with_sql_installed_keeps_sqlite(tmp_path: Path) -> None:
    setup = prepare_demo(tmp_path / "demo")
    assert setup.notes == ()
    assert setup.pipeline.config.PASSES[1].output.type == "sql"
    assert setup.pipeline.config.PASSES[0].module_configs["l2"]["market_states"] == ["CONTINUOUS_TRADING"]


def test_demo_suggested_dry_run_works_from_the_folder_above(tmp_path: Path, monkeypatch) -> None:
    """``basalt pipeline run -p basalt-demo/demo.yaml --dry-run`` from where ``basalt demo`` ran."""
    monkeypatch.chdir(tmp_path)
    prepare_demo(Path("basalt-demo"))
    (tmp_path / "basalt-demo" / "lake" / "Trades-Plus").mkdir(parents=True)  # the demo's synthesis writes it
    config = load_pipeline(Path("basalt-demo/demo.yaml")).config
    assert config.SOURCE.settings()["root"] == str(Path("basalt-demo/lake"))
    assert config.PASSES[1].output.settings()["url"] == "sqlite:///basalt-demo/output/demo.db"
    result = invoke("pipeline", "validate", "basalt-demo/demo.yaml")
    assert result.exit_code == 0, result.output


def test_a_folder_holding_none_of_the_tables_is_not_taken_for_a_lake(pipeline: Path) -> None:
    (pipeline.parent / "lake" / "trades").rmdir()
    (pipeline.parent / "lake" / "notes").mkdir()
    result = invoke("pipeline", "validate", str(pipeline))
    assert result.exit_code == 2, result.output
    assert "holds none of the tables the pipeline reads (trades)" in result.output
    assert "is it the lake's root?" in result.output


def test_demo_command_says_what_it_falls_back_to_before_synthesising(tmp_path: Path, monkeypatch) -> None:
    import basalt.demo
    from basalt.engine.runner import RunReport

    monkeypatch.setitem(sys.modules, "sqlalchemy", None)
    calls = []

    def fake_run_demo(out: Path, **kwargs):
        calls.append(kwargs["setup"])
        report = RunReport(run_id="r", dataset="demo", outputs={"bars15": "parquet: x"})
        return basalt.demo.DemoResult(lake=out / "lake", output=out / "output", report=report)

    monkeypatch.setattr(basalt.demo, "run_demo", fake_run_demo)
    result = invoke("demo", "--out", str(tmp_path / "d"))
    assert result.exit_code == 0, result.output
    note = result.output.index("note: pass 'bars15' is written as Parquet")
    assert note < result.output.index("Synthesising")
    assert "pip install 'bmll-basalt[sql]'" in result.output
    assert calls[0].notes  # the checked setup is what runs


SAMPLE_PIPELINE = """
START_DATE: 2026-01-05
END_DATE: 2026-01-05
DATASETNAME: footers
UNIVERSE: mic=XLON
SOURCE: {type: local, root: lake}
OUTPUT_TARGET: {type: parquet, root: out}
PASSES:
  - name: bars
    modules: [trade]
"""


@pytest.fixture
def sample_lake_pipeline(tmp_path: Path) -> Path:
    """A one-day BMLL-layout lake of the sample rows, and a pipeline reading its trades."""
    from datetime import date

    from bmll_sample import write_sample_lake

    write_sample_lake(tmp_path / "lake", days=[date(2026, 1, 5)])
    path = tmp_path / "p.yaml"
    path.write_text(SAMPLE_PIPELINE)
    return path


def test_dry_run_names_a_file_whose_column_has_the_wrong_dtype(sample_lake_pipeline: Path) -> None:
    import polars as pl

    (trades,) = (sample_lake_pipeline.parent / "lake").rglob("trades-plus-*.parquet")
    pl.read_parquet(trades).with_columns(pl.col("Price").cast(pl.String)).write_parquet(trades)
    result = invoke("pipeline", "run", "-p", str(sample_lake_pipeline), "--dry-run")
    assert result.exit_code == 2, result.output
    assert str(trades) in result.output.replace("\n", "")
    assert "'Price' has dtype String, expected Float64" in result.output


def test_dry_run_names_an_unreadable_file_and_passes_a_good_lake(sample_lake_pipeline: Path) -> None:
    ok = invoke("pipeline", "run", "-p", str(sample_lake_pipeline), "--dry-run")
    assert ok.exit_code == 0, ok.output
    (trades,) = (sample_lake_pipeline.parent / "lake").rglob("trades-plus-*.parquet")
    trades.write_bytes(trades.read_bytes()[:100])  # truncated
    result = invoke("pipeline", "run", "-p", str(sample_lake_pipeline), "--dry-run")
    assert result.exit_code == 2, result.output
    assert "is not a readable Parquet file" in result.output
    assert "Traceback" not in result.output
