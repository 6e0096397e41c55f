"""The bmll source: API mapping and local caching, with a stand-in for BMLL's SDK.

The real SDK needs BMLL credentials, which this project does not have: the
stand-in records the calls and writes the sample rows where the SDK would.
"""

from __future__ import annotations

import sys
import types
from pathlib import Path
from typing import Any

import pytest
from polars.testing import assert_frame_equal

from basalt.sources.bmll_api import BMLLSource
from basalt.tables.bmll import L2, Trades

from .conftest import SAMPLE_DAY, SAMPLE_MIC, sample_frame


@pytest.fixture
def sdk_calls(monkeypatch: pytest.MonkeyPatch) -> list[tuple[str, dict[str, Any]]]:
    calls: list[tuple[str, dict[str, Any]]] = []
    names = {"trades_plus": "trades", "l2": "l2"}

    def query(table: str, *, output_path: str, **kwargs: Any) -> str:
        calls.append((table, kwargs))
        sample_frame(names[table]).select(kwargs["columns"]).write_parquet(output_path)
        return output_path

    sdk = types.ModuleType("bmll")
    sdk.data = types.SimpleNamespace(query=query)
    monkeypatch.setitem(sys.modules, "bmll", sdk)
    return calls


def test_query_arguments_map_tables_to_bmll_api_names(tmp_path: Path) -> None:
    source = BMLLSource({"mics": ["XLON"], "cache_dir": tmp_path})
    table, kwargs = source.query_arguments(Trades, "XLON", SAMPLE_DAY)
    assert table == "trades_plus"
    assert kwargs["MIC"] == "XLON"
    assert kwargs["start_date"] == kwargs["end_date"] == "2026-01-02"
    assert kwargs["columns"] == list(Trades.SCHEMA)
    assert source.query_arguments(L2, "XLON", SAMPLE_DAY)[0] == "l2"


def test_days_are_downloaded_once_then_read_from_the_cache(
    tmp_path: Path, sdk_calls: list[tuple[str, dict[str, Any]]]
) -> None:
    source = BMLLSource({"mics": ["XLON"], "cache_dir": tmp_path})
    first = source.scan(Trades, SAMPLE_MIC, SAMPLE_DAY).collect()
    second = source.scan(Trades, SAMPLE_MIC, SAMPLE_DAY).collect()
    assert_frame_equal(first, sample_frame("trades").select(list(Trades.SCHEMA)))
    assert_frame_equal(first, second)
    assert [call[0] for call in sdk_calls] == ["trades_plus"]
    assert (tmp_path / "trades/MIC=XLON/Date=2026-01-02/part-0.parquet").is_file()
    assert source.mics(Trades) == ["XLON"]


def test_missing_sdk_says_what_to_install(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "bmll", None)
    with pytest.raises(ImportError, match=r"pip install 'bmll-basalt\[bmll\]'"):
        BMLLSource({"mics": ["XLON"], "cache_dir": tmp_path}).files(Trades, "XLON", SAMPLE_DAY)
