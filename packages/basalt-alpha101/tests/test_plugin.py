"""The alpha101 plugin and its analytics module, through the fixtures bmll-basalt ships."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import polars as pl
import pytest
from pydantic import ValidationError

from basalt.testing import make_plugin_manager
from basalt_alpha101 import compute, plugin
from basalt_alpha101.module import UNIT, Alpha101
from basalt_alpha101.registry import definition, formula


def test_registers_analytics_without_error() -> None:
    (info,) = make_plugin_manager(plugin, builtins=False).plugins()
    assert info.hooks == ["basalt_register_analytics"]
    assert info.error is None


def test_the_plugin_registers_the_module(basalt_plugin_manager: Callable[..., object]) -> None:
    manager = basalt_plugin_manager(plugin, builtins=False)
    assert manager.analytics()["alpha101"] is Alpha101  # type: ignore[attr-defined]


def test_module_runs_with_documented_columns(
    basalt_run_module: Callable[..., pl.DataFrame], panel: pl.DataFrame, alphas: pl.DataFrame
) -> None:
    out = basalt_run_module(Alpha101, {"bars": panel})
    assert out.equals(alphas)


def test_module_reads_the_configured_pass_and_alphas(
    basalt_run_module: Callable[..., pl.DataFrame], panel: pl.DataFrame, alphas: pl.DataFrame
) -> None:
    config = {"source_pass": "daily", "alpha_ids": ["Alpha101", 4], "columns": {"close": "Close"}}
    module = Alpha101(config)
    assert module.input_names() == ("daily",)
    assert module.INPUTS == ("daily",)
    assert Alpha101.INPUTS == ("bars",)
    out = basalt_run_module(module, {"daily": panel.rename({"close": "Close"})})
    assert out.equals(alphas.select("ListingId", "TimeBucket", "Alpha101", "Alpha004"))
    with pytest.raises(KeyError, match=r"reads input .daily."):
        module.compute({"bars": panel.lazy()}, None)  # type: ignore[arg-type]


def test_industry_labels_from_a_table(
    basalt_run_module: Callable[..., pl.DataFrame], panel: pl.DataFrame, alphas: pl.DataFrame, tmp_path: Path
) -> None:
    labels = panel.select("ListingId", "sector", "industry", pl.col("subindustry").alias("Sub"))
    labels = labels.unique("ListingId")
    path = tmp_path / "labels.parquet"
    labels.write_parquet(path)
    bars = panel.drop("sector", "industry", "subindustry")
    config = {"alpha_ids": [48, 58, 59], "industry_source": str(path), "columns": {"subindustry": "Sub"}}
    out = basalt_run_module(Alpha101, {"bars": bars}, config=config)
    assert out.equals(alphas.select("ListingId", "TimeBucket", "Alpha048", "Alpha058", "Alpha059"))
    docs = {doc.name: doc for doc in Alpha101(config).columns()}
    assert docs["Alpha048"].sources == ("bars.close", "labels.parquet.Sub")


def test_columns_document_every_alpha() -> None:
    docs = Alpha101().columns()
    assert [doc.name for doc in docs] == [f"Alpha{n:03d}" for n in range(1, 102)]
    for number, doc in enumerate(docs, start=1):
        assert doc.pattern == "Alpha{NNN}"
        assert doc.unit == UNIT == "dimensionless score"
        assert doc.dtype == "Float64"
        assert doc.definition == definition(number)
        assert doc.definition.startswith(formula(number))
        assert ("adv_basis='consistent'" in doc.definition) == ("adv" in formula(number))
        assert doc.sources
        assert all(source.startswith("bars.") for source in doc.sources)
    assert docs[55].sources == ("bars.cap", "bars.returns")


@pytest.mark.parametrize(
    ("config", "message"),
    [
        ({"alpha_ids": [0]}, "no alpha 0"),
        ({"alpha_ids": [3, 3]}, "chosen twice"),
        ({"alpha_ids": []}, "no alpha chosen"),
        ({"columns": {"clsoe": "Close"}}, "did you mean 'close'"),
        ({"industry_source": "labels.txt"}, "must be a .parquet"),
        ({"source_pass": "pass:bars"}, "should match pattern"),
        ({"sources_pass": "bars"}, "Extra inputs are not permitted"),
        ({"adv_basis": "dollars"}, "consistent"),
    ],
)
def test_config_is_validated(config: dict[str, object], message: str) -> None:
    with pytest.raises(ValidationError, match=message):
        Alpha101(config)


def test_every_config_field_is_described() -> None:
    fields = Alpha101.Config.model_fields
    assert set(fields) == {"alpha_ids", "source_pass", "columns", "industry_source", "adv_basis"}
    assert all(field.description for field in fields.values())


def test_compute_stays_lazy(panel: pl.DataFrame) -> None:
    result = Alpha101({"alpha_ids": [1]}).compute({"bars": panel.lazy()}, None)  # type: ignore[arg-type]
    assert isinstance(result, pl.LazyFrame)
    assert result.collect().equals(compute(panel, ids=[1]).collect())


def test_a_pipeline_wires_the_module_to_an_earlier_pass() -> None:
    loader = pytest.importorskip("basalt.engine.loader")
    resolver = pytest.importorskip("basalt.engine.resolve")
    data = {
        "START_DATE": "2024-01-02",
        "END_DATE": "2024-01-02",
        "DATASETNAME": "t",
        "PASSES": [
            {"name": "bars", "modules": ["trade"]},
            {
                "name": "alphas",
                "modules": ["alpha101"],
                "module_inputs": {"alpha101": {"daily": "pass:bars"}},
                "module_configs": {"alpha101": {"source_pass": "daily", "alpha_ids": [1, 101]}},
            },
        ],
    }
    resolved = resolver.resolve(loader.load_pipeline(data=data), make_plugin_manager(plugin))
    (module,) = resolved.passes[1].modules
    assert {name: str(ref) for name, ref in module.inputs.items()} == {"daily": "pass:bars"}
    assert [doc.name for doc in module.module.columns()] == ["Alpha001", "Alpha101"]


@pytest.mark.parametrize("basis", ["paper", "shares"])
def test_the_adv_basis_reaches_compute_and_the_column_docs(
    basalt_run_module: Callable[..., pl.DataFrame], panel: pl.DataFrame, basis: str
) -> None:
    config = {"alpha_ids": [7, 28], "adv_basis": basis}
    out = basalt_run_module(Alpha101, {"bars": panel}, config=config)
    assert out.equals(compute(panel, ids=[7, 28], adv_basis=basis).collect())  # type: ignore[arg-type]
    docs = {doc.name: doc for doc in Alpha101(config).columns()}
    assert f"adv_basis={basis!r}" in docs["Alpha007"].definition
    assert ("bars.amount" in docs["Alpha028"].sources) == (basis == "paper")
    assert "bars.volume" in docs["Alpha007"].sources
