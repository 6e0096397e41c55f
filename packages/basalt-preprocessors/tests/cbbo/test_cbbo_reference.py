"""``cbbo`` against the plain-Python reference (``cbbo_reference``) on random books, and against the
synthetic market's own cbbo table.

Random books (``cbbo_frames.random_l2``) have few distinct prices (equal prices across venues),
colliding timestamps within and across venues, locked/crossed venues, empty sides and auction
states. Prices are copied, quantities are integer sums: the comparison is exact (identical nulls).
"""

from __future__ import annotations

import polars as pl
import pytest
from cbbo_frames import random_l2, reference_frame
from cbbo_reference import reference_cbbo

from basalt.testing import run_module
from basalt_preprocessors.cbbo import ConsolidatedBook

BOOK = ("Bid", "Ask")


def _book_columns(frame: pl.DataFrame) -> list[str]:
    return [c for c in frame.columns if c.startswith(BOOK)]


@pytest.mark.parametrize(
    ("seed", "config"),
    [
        (1, {}),
        (2, {"continuous_only": True}),
        (3, {"levels": 3, "contribution_mics": ["XLON", "BATE", "CEUX"]}),
        (4, {"levels": 1, "continuous_only": True, "contribution_mics": ["CHIX"]}),
    ],
)
def test_equals_the_plain_python_reference(seed: int, config: dict[str, object]) -> None:
    l2 = random_l2(seed)
    out = run_module(ConsolidatedBook, {"l2": l2, "reference": reference_frame()}, config=config)
    expected = reference_cbbo(
        l2,
        reference_frame(),
        levels=int(config.get("levels", 10)),  # type: ignore[call-overload]
        continuous_only=bool(config.get("continuous_only", False)),
        mics=tuple(config.get("contribution_mics", ())),  # type: ignore[arg-type]
    )
    columns = ["InstrumentId", "EventTimestamp", *_book_columns(out)]
    assert sorted(columns) == sorted(expected[0])
    assert out.select(columns).rows() == [tuple(row[c] for c in columns) for row in expected]


def test_changes_only_is_every_event_without_repeats() -> None:
    l2 = random_l2(5)
    every = run_module(ConsolidatedBook, {"l2": l2, "reference": reference_frame()}, config={"levels": 2})
    changes = run_module(
        ConsolidatedBook,
        {"l2": l2, "reference": reference_frame()},
        config={"levels": 2, "changes_only": True},
    )
    kept, previous = [], None
    for row in every.select("InstrumentId", "EventTimestamp", *_book_columns(every)).rows():
        if previous is None or row[0] != previous[0] or row[2:] != previous[2:]:
            kept.append(row)
        previous = row
    assert 0 < len(kept) < every.height
    assert changes.select("InstrumentId", "EventTimestamp", *_book_columns(changes)).rows() == kept


def _synth_cbbo(day: dict[str, pl.DataFrame]) -> pl.DataFrame:
    """The lake's cbbo with InstrumentId; of rows sharing a microsecond, the last (the state after it)."""
    instruments = day["reference"].select("ListingId", "InstrumentId").unique()
    return (
        day["cbbo"]
        .join(instruments, on="ListingId")
        .sort("InstrumentId", "EventTimestamp", "L2EventNo")
        .unique(["InstrumentId", "EventTimestamp"], keep="last", maintain_order=True)
    )


def test_agrees_with_the_synthetic_markets_cbbo_table(synth_day: dict[str, pl.DataFrame]) -> None:
    """Same definition (continuous-only venues, sums by price, distinct visible prices as level counts).

    The lake writes a row per changing *message* (ns order); this module one per EventTimestamp
    (µs): compared as the state in force at every instant, both ways.
    """
    out = run_module(
        ConsolidatedBook,
        {"l2": synth_day["l2"], "reference": synth_day["reference"]},
        config={"continuous_only": True},
    )
    lake = _synth_cbbo(synth_day)
    columns = _book_columns(lake)
    assert columns == _book_columns(out)
    assert out["InstrumentId"].n_unique() == 2

    def state_at(times: pl.DataFrame, states: pl.DataFrame) -> pl.DataFrame:
        return times.sort("InstrumentId", "EventTimestamp").join_asof(
            states.select("InstrumentId", "EventTimestamp", *columns).sort("InstrumentId", "EventTimestamp"),
            on="EventTimestamp",
            by="InstrumentId",
            check_sortedness=False,
        )

    for times in (
        out.select("InstrumentId", "EventTimestamp"),
        lake.select("InstrumentId", "EventTimestamp"),
    ):
        ours, theirs = state_at(times, out), state_at(times, lake)
        assert ours.height == theirs.height > 1000
        assert ours.equals(theirs)
    # with changes_only the rows themselves match the lake's, microsecond by microsecond
    changes = run_module(
        ConsolidatedBook,
        {"l2": synth_day["l2"], "reference": synth_day["reference"]},
        config={"continuous_only": True, "changes_only": True},
    )
    lake_changes = lake.filter(
        pl.any_horizontal([pl.col(c).ne_missing(pl.col(c).shift(1)).over("InstrumentId") for c in columns])
        | (pl.int_range(pl.len()).over("InstrumentId") == 0)
    )
    key = ["InstrumentId", "EventTimestamp", *columns, "ListingId", "MIC", "Ticker"]
    assert changes.select(key).equals(lake_changes.select(key))
