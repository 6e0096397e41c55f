"""Universes resolved per date from the source's reference table."""

from __future__ import annotations

from datetime import date, datetime
from pathlib import Path

import polars as pl
import pytest

from basalt.sources.layout import write_partition
from basalt.sources.local import LocalSource
from basalt.tables.bmll import Reference
from basalt.universe import UniverseError, UniverseSpec, resolve_universe

DAY = date(2024, 3, 4)
ROWS = [
    # ListingId, InstrumentId, MIC, Ticker, IsPrimary, IndexMembership
    (1, 10, "XLON", "VOD", True, "FTSE100,STOXX600"),
    (2, 20, "XLON", "BARC", True, "FTSE100"),
    (3, 30, "XLON", "SMLL", True, None),
    (4, 10, "BATE", "VODl", False, "FTSE100,STOXX600"),
]


def _reference(mic: str, with_index: bool = True) -> pl.DataFrame:
    rows = [row for row in ROWS if row[2] == mic]
    data = {column: [None] * len(rows) for column in Reference.SCHEMA}
    data.update(
        ListingId=[r[0] for r in rows],
        InstrumentId=[r[1] for r in rows],
        MIC=[r[2] for r in rows],
        Ticker=[r[3] for r in rows],
        IsPrimary=[r[4] for r in rows],
        CurrencyCode=["GBp"] * len(rows),
        Date=[datetime(2024, 3, 4)] * len(rows),
    )
    frame = pl.DataFrame(data, schema=Reference.SCHEMA)
    if with_index:
        frame = frame.with_columns(pl.Series("IndexMembership", [r[5] for r in rows], dtype=pl.String))
    return frame


@pytest.fixture
def source(tmp_path: Path) -> LocalSource:
    for mic in ("XLON", "BATE"):
        write_partition(_reference(mic), tmp_path, Reference, mic, DAY, "bmll")
    return LocalSource({"root": tmp_path})


def _ids(selection: UniverseSpec, source: LocalSource) -> list[int]:
    return resolve_universe(selection, DAY, source)["ListingId"].to_list()


def test_selection_by_mic_tickers_ids_index_and_primary(source: LocalSource) -> None:
    assert _ids(UniverseSpec(mic="XLON"), source) == [1, 2, 3]
    assert _ids(UniverseSpec(), source) == [1, 2, 3, 4]
    assert _ids(UniverseSpec(tickers=["VOD", "VODl"]), source) == [1, 4]
    assert _ids(UniverseSpec(listing_ids=[2, 4]), source) == [2, 4]
    assert _ids(UniverseSpec(index="FTSE100"), source) == [1, 2, 4]
    assert _ids(UniverseSpec(index="STOXX600", primary_only=True), source) == [1]


def test_resolved_universe_has_the_documented_columns(source: LocalSource) -> None:
    frame = resolve_universe(UniverseSpec(mic="XLON", tickers="VOD"), DAY, source)
    assert frame.columns[:6] == ["ListingId", "MIC", "Ticker", "InstrumentId", "CurrencyCode", "IsPrimary"]
    assert frame.row(0)[:6] == (1, "XLON", "VOD", 10, "GBp", True)


def test_unknown_mic_and_ticker_are_clear_errors(source: LocalSource) -> None:
    with pytest.raises(UniverseError, match=r"unknown MICs on 2024-03-04: 'XPAR'\. Known MICs: BATE, XLON"):
        resolve_universe(UniverseSpec(mic="XPAR"), DAY, source)
    with pytest.raises(UniverseError, match=r"'BARK' \(did you mean BARC\?\)"):
        resolve_universe(UniverseSpec(tickers=["VOD", "BARK"]), DAY, source)
    with pytest.raises(UniverseError, match="unknown indices"):
        resolve_universe(UniverseSpec(index="DAX"), DAY, source)


def test_index_needs_membership_in_the_reference(tmp_path: Path) -> None:
    write_partition(_reference("XLON", with_index=False), tmp_path, Reference, "XLON", DAY, "bmll")
    with pytest.raises(UniverseError, match="no IndexMembership column"):
        resolve_universe(UniverseSpec(index="FTSE100"), DAY, LocalSource({"root": tmp_path}))


def test_user_callable_is_called_per_date_and_checked(source: LocalSource) -> None:
    seen: list[date] = []

    def get_universe(day: date) -> pl.DataFrame:
        seen.append(day)
        return _reference("XLON").filter(pl.col("ListingId") > 1)

    assert resolve_universe(get_universe, DAY, source)["ListingId"].to_list() == [2, 3]
    assert seen == [DAY]
    with pytest.raises(UniverseError, match=r"without columns \['Ticker'"):
        resolve_universe(lambda day: pl.DataFrame({"ListingId": [1], "MIC": ["XLON"]}), DAY, source)


def test_cli_form_parses() -> None:
    spec = UniverseSpec.parse("mic=XLON;tickers=VOD, BARC")
    assert (spec.mic, spec.tickers) == (["XLON"], ["VOD", "BARC"])
    assert spec.describe() == "mic=XLON;tickers=VOD,BARC"
    assert UniverseSpec.parse("listing_ids=1,2").listing_ids == [1, 2]
    with pytest.raises(UniverseError, match="not key=value"):
        UniverseSpec.parse("XLON")
