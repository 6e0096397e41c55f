"""Pipeline configuration: validation, clear errors with config paths, files and overrides."""

from __future__ import annotations

import textwrap
from datetime import date
from pathlib import Path
from typing import Any

import polars as pl
import pytest

from basalt.engine.config import AnalyticsConfig
from basalt.engine.errors import ConfigError
from basalt.engine.loader import apply_override, load_pipeline


def _minimal(**extra: Any) -> dict[str, Any]:
    return {
        "START_DATE": "2024-01-02",
        "END_DATE": "2024-01-05",
        "DATASETNAME": "demo",
        "PASSES": [{"name": "bars", "modules": ["trade"]}],
        **extra,
    }


def test_defaults_and_types() -> None:
    config = load_pipeline(data=_minimal(UNIVERSE="mic=XLON")).config
    assert isinstance(config, AnalyticsConfig)
    assert (config.START_DATE, config.END_DATE) == (date(2024, 1, 2), date(2024, 1, 5))
    assert config.UNIVERSE.mic == ["XLON"]
    assert config.PASSES[0].buckets(config.TIME_BUCKET_SECONDS).seconds == 60
    assert config.SOURCE.type == "local"
    assert config.OUTPUT_TARGET.type == "parquet"


def test_unknown_keys_get_did_you_mean_with_their_path() -> None:
    data = _minimal(TIME_BUCKET_SECOND=5)
    data["PASSES"][0]["time_bucket_second"] = 5
    with pytest.raises(ConfigError) as excinfo:
        load_pipeline(data=data)
    problems = excinfo.value.problems
    assert "TIME_BUCKET_SECOND: unknown key; did you mean 'TIME_BUCKET_SECONDS'?" in problems
    assert "PASSES[0].time_bucket_second: unknown key; did you mean 'time_bucket_seconds'?" in problems


@pytest.mark.parametrize(
    ("change", "expected"),
    [
        ({"END_DATE": "2024-01-01"}, "END_DATE: 2024-01-01 is before START_DATE 2024-01-02"),
        ({"DATASETNAME": "x; DROP TABLE trades"}, "DATASETNAME 'x; DROP TABLE trades' must be"),
        ({"DATASETNAME": "../escape"}, "DATASETNAME '../escape' must be"),
        ({"PASSES": [{"name": "a", "modules": ["m"]}, {"name": "a", "modules": ["m"]}]}, "repeated: ['a']"),
        (
            {"PASSES": [{"name": "a", "modules": ["m"], "module_inputs": {"m": {"x": "pass:b"}}}]},
            "only earlier passes can be read",
        ),
        (
            {"PASSES": [{"name": "a", "modules": ["m"], "module_configs": {"n": {}}}]},
            "not in this pass's modules",
        ),
        ({"PREPARE_DATA_MODE": "fast"}, "PREPARE_DATA_MODE: Input should be 'naive' or 'shredding'"),
    ],
)
def test_inconsistent_configs_are_refused(change: dict[str, Any], expected: str) -> None:
    with pytest.raises(ConfigError) as excinfo:
        load_pipeline(data=_minimal(**change))
    assert expected in str(excinfo.value)


def test_yaml_file_overrides_and_set(tmp_path: Path) -> None:
    path = tmp_path / "pipeline.yaml"
    path.write_text(
        textwrap.dedent(
            """
            START_DATE: 2024-01-02
            END_DATE: 2024-01-03
            DATASETNAME: demo
            PASSES:
              - name: bars
                modules: [trade]
            """
        )
    )
    pipeline = load_pipeline(
        path,
        overrides={"END_DATE": "2024-01-09", "NUM_WORKERS": None},
        assignments=[
            "PASSES.0.time_bucket_seconds=300",
            "SOURCE.root=/data/lake",
            "UNIVERSE.mic=[XLON, BATE]",
        ],
    )
    config = pipeline.config
    assert config.END_DATE == date(2024, 1, 9)
    assert config.NUM_WORKERS == 1
    assert config.PASSES[0].time_bucket_seconds == 300
    assert config.SOURCE.settings() == {"root": "/data/lake"}
    assert config.UNIVERSE.mic == ["XLON", "BATE"]
    assert pipeline.path == path


def test_a_set_typo_is_caught_like_a_file_typo() -> None:
    with pytest.raises(ConfigError, match=r"PASSES\[0\]\.time_bucket_secnds: unknown key"):
        load_pipeline(data=_minimal(), assignments=["PASSES.0.time_bucket_secnds=5"])
    with pytest.raises(ConfigError, match="expected KEY=VALUE"):
        apply_override({}, "NUM_WORKERS")
    with pytest.raises(ConfigError, match=r"PASSES\.3 does not exist"):
        load_pipeline(data=_minimal(), assignments=["PASSES.3.name=x"])


def test_python_pipeline_with_get_universe(tmp_path: Path) -> None:
    path = tmp_path / "pipeline.py"
    path.write_text(
        textwrap.dedent(
            """
            import polars as pl

            USER_CONFIG = {
                "START_DATE": "2024-01-02",
                "END_DATE": "2024-01-02",
                "DATASETNAME": "py",
                "PASSES": [{"name": "bars", "modules": ["trade"]}],
            }

            def get_universe(day):
                return pl.DataFrame({"ListingId": [1, 2]})
            """
        )
    )
    pipeline = load_pipeline(path)
    assert pipeline.config.DATASETNAME == "py"
    assert pipeline.get_universe is not None
    assert pipeline.get_universe(date(2024, 1, 2)).get_column("ListingId").to_list() == [1, 2]
    assert isinstance(pipeline.get_universe(date(2024, 1, 2)), pl.DataFrame)


def test_bad_files_are_named(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="does not exist"):
        load_pipeline(tmp_path / "missing.yaml")
    bad = tmp_path / "bad.yaml"
    bad.write_text("START_DATE: [unclosed")
    with pytest.raises(ConfigError, match=r"in .*bad\.yaml"):
        load_pipeline(bad)
    script = tmp_path / "no_config.py"
    script.write_text("x = 1\n")
    with pytest.raises(ConfigError, match="must define USER_CONFIG"):
        load_pipeline(script)
