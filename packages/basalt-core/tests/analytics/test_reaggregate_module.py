"""Hand-computed checks of ``reaggregate``: label re-bucketing, rules, groups, keys and config."""

from __future__ import annotations

import random
from datetime import date, datetime, timedelta
from pathlib import Path

import polars as pl
import pytest
from pydantic import ValidationError

from basalt.analytics.reaggregate import ReaggregateConfig, ReaggregateModule
from basalt.testing import run_module
from basalt.timebuckets import TimeBuckets

DAY = date(2024, 3, 4)


def t(hour: int, minute: int, second: int = 0) -> datetime:
    return datetime(2024, 3, 4, hour, minute, second)


def bars(labels: list[datetime], listing: list[int] | int = 1, **columns: list) -> pl.DataFrame:
    listings = listing if isinstance(listing, list) else [listing] * len(labels)
    data = {"ListingId": listings, "Date": [DAY] * len(labels), "TimeBucket": labels, **columns}
    return pl.DataFrame(data).with_columns(pl.col("TimeBucket").cast(pl.Datetime("ns")))


def run(source: pl.DataFrame, buckets: TimeBuckets, **config) -> pl.DataFrame:
    config.setdefault("columns", ["N"])
    return run_module(ReaggregateModule, {"source": source}, config=config, buckets=buckets)


# ---------------------------------------------------------------------------------------------
# Re-bucketing of labels
# ---------------------------------------------------------------------------------------------

FINE = [t(9, 1), t(9, 14), t(9, 15), t(9, 16), t(9, 30), t(9, 31)]


@pytest.mark.parametrize("closed", ["right", "left"])
def test_end_labels_go_to_the_coarse_bucket_ending_at_or_after_them(closed: str) -> None:
    # (09:00, 09:01] … (09:14, 09:15] all lie in (09:00, 09:15]; 09:15 is the boundary: it ends there.
    source = bars(FINE, N=[1, 2, 4, 8, 16, 32])
    out = run(source, TimeBuckets(seconds=900, closed=closed))
    assert out["TimeBucket"].to_list() == [t(9, 15), t(9, 30), t(9, 45)]
    assert out["N"].to_list() == [1 + 2 + 4, 8 + 16, 32]


@pytest.mark.parametrize("closed", ["right", "left"])
def test_start_labels_go_to_the_coarse_bucket_starting_at_or_before_them(closed: str) -> None:
    # Labelled by their start: 09:00 … 09:14 lie in the bucket starting 09:00; 09:15 starts the next.
    source = bars([t(9, 0), t(9, 14), t(9, 15), t(9, 29), t(9, 30)], N=[1, 2, 4, 8, 16])
    out = run(source, TimeBuckets(seconds=900, anchor="start", closed=closed))
    assert out["TimeBucket"].to_list() == [t(9, 0), t(9, 15), t(9, 30)]
    assert out["N"].to_list() == [3, 12, 16]


def test_source_and_pass_anchors_may_differ() -> None:
    source = bars([t(9, 0), t(9, 14), t(9, 15)], N=[1, 2, 4])  # start-labelled 1-minute bars
    out = run(source, TimeBuckets(seconds=900), source_anchor="start")
    assert out["TimeBucket"].to_list() == [t(9, 15), t(9, 30)]
    assert out["N"].to_list() == [3, 4]
    back = run(
        bars(FINE, N=[1, 2, 4, 8, 16, 32]), TimeBuckets(seconds=900, anchor="start"), source_anchor="end"
    )
    assert back["TimeBucket"].to_list() == [t(9, 0), t(9, 15), t(9, 30)]
    assert back["N"].to_list() == [7, 24, 32]


def test_same_bucket_length_keeps_the_labels() -> None:
    source = bars(FINE, N=[1, 2, 4, 8, 16, 32])
    for anchor in ("end", "start"):
        out = run(source, TimeBuckets(seconds=60, anchor=anchor))
        assert out["TimeBucket"].to_list() == FINE


def test_daily_timeline_label_is_the_next_midnight() -> None:
    source = bars([t(9, 1), t(16, 30)], N=[1, 2])
    out = run(source, TimeBuckets(seconds=86_400, anchor="end", closed="left"))  # what daily mode uses
    assert out["TimeBucket"].to_list() == [datetime(2024, 3, 5)]


@pytest.mark.parametrize("closed", ["right", "left"])
@pytest.mark.parametrize("anchor", ["end", "start"])
def test_reaggregated_counts_equal_counts_of_the_coarse_buckets(closed: str, anchor: str) -> None:
    """Events → 1-minute counts → 15-minute sums equals events → 15-minute counts, boundaries included."""
    rng = random.Random(5)
    start = t(8, 0)
    offsets = [rng.randint(0, 4 * 3600) for _ in range(3000)]
    offsets += [m * 60 for m in range(0, 4 * 60, 7)]  # events exactly on minute and 15-minute edges
    events = pl.DataFrame(
        {"ListingId": 1, "T": [start + timedelta(seconds=s) for s in offsets]}
    ).with_columns(pl.col("T").cast(pl.Datetime("ns")))
    fine, coarse = (
        TimeBuckets(seconds=60, closed=closed, anchor=anchor),
        TimeBuckets(seconds=900, closed=closed, anchor=anchor),
    )
    minute_bars = events.group_by("ListingId", fine.label(pl.col("T")).alias("TimeBucket")).agg(
        pl.len().alias("N")
    )
    direct = (
        events.group_by("ListingId", coarse.label(pl.col("T")).alias("TimeBucket"))
        .agg(pl.len().alias("N"))
        .sort("TimeBucket")
    )
    out = run(minute_bars.with_columns(pl.col("N").cast(pl.Int64)), coarse)
    assert out.select("TimeBucket", pl.col("N").cast(pl.UInt32)).equals(direct.select("TimeBucket", "N"))


# ---------------------------------------------------------------------------------------------
# Rules
# ---------------------------------------------------------------------------------------------


def test_every_rule_by_hand() -> None:
    source = bars(
        [t(9, 3), t(9, 1), t(9, 2), t(9, 5), t(9, 16)],
        N=[3, 1, None, 5, None],
        P=[13.0, None, 12.0, 15.0, None],
        W=[1.0, 2.0, 3.0, 0.0, None],
    )
    rules = {
        "N": "sum",
        "NMean": {"rule": "mean", "column": "N"},
        "PW": {"rule": "weighted_mean", "column": "P", "weight": "W"},
        "PFirst": {"rule": "first", "column": "P"},
        "PLast": {"rule": "last", "column": "P"},
        "PMin": {"rule": "min", "column": "P"},
        "PMax": {"rule": "max", "column": "P"},
        "PSum": {"rule": "sum", "column": "P"},
    }
    out = run(source, TimeBuckets(seconds=900), columns=[], rules=rules)
    first, second = out.row(0, named=True), out.row(1, named=True)
    # Bucket 09:15 in time order: 09:01 (N 1, P null, W 2), 09:02 (N null, P 12, W 3), 09:03 (3, 13, 1),
    # 09:05 (5, 15, 0).
    assert first["N"] == 9
    assert first["NMean"] == pytest.approx(3.0)
    assert first["PW"] == pytest.approx((12 * 3 + 13 * 1 + 15 * 0) / (3 + 1 + 0))
    assert (first["PFirst"], first["PLast"], first["PMin"], first["PMax"]) == (12.0, 15.0, 12.0, 15.0)
    # Bucket 09:30: one row, everything null: sums are null too (not 0).
    assert all(second[k] is None for k in rules)
    assert out.schema["N"] == pl.Int64
    assert out.schema["NMean"] == pl.Float64


def test_weighted_mean_is_null_when_weights_sum_to_zero_and_uses_default_weight() -> None:
    source = bars([t(9, 1), t(9, 2)], P=[10.0, 20.0], V=[0.0, 0.0], U=[1.0, 3.0])
    out = run(
        source, TimeBuckets(seconds=900), columns=["P"], default_rule="weighted_mean", default_weight="V"
    )
    assert out["P"].to_list() == [None]
    out = run(
        source, TimeBuckets(seconds=900), columns=["P"], default_rule="weighted_mean", default_weight="U"
    )
    assert out["P"].to_list() == [pytest.approx(17.5)]


def test_first_and_last_break_ties_between_listings_by_listing_id() -> None:
    source = bars(
        [t(9, 1), t(9, 1), t(9, 2), t(9, 2)], listing=[7, 3, 9, 4], P=[1.0, 2.0, 3.0, 4.0], G=[1] * 4
    )
    out = run(
        source,
        TimeBuckets(seconds=900),
        group_by="G",
        columns=[],
        rules={"F": {"rule": "first", "column": "P"}, "L": {"rule": "last", "column": "P"}},
    )
    assert (out["F"].item(), out["L"].item()) == (2.0, 3.0)


def test_columns_are_documented_per_rule() -> None:
    module = ReaggregateModule(
        {
            "source_pass": "bars",
            "columns": ["TradeTotalVolume", "Mid"],
            "rules": {"Mid": "last", "VWAP": {"rule": "weighted_mean", "column": "TradeTotalVWAP"}},
            "default_weight": "TradeTotalVolume",
        }
    )
    docs = {d.name: d for d in module.columns()}
    assert list(docs) == ["TradeTotalVolume", "Mid", "VWAP"]
    assert docs["TradeTotalVolume"].additive
    assert docs["TradeTotalVolume"].dtype is None
    assert not docs["Mid"].additive
    assert "Last non-null Mid" in docs["Mid"].definition
    assert docs["VWAP"].dtype == "Float64"
    assert "weighted by TradeTotalVolume" in docs["VWAP"].definition
    assert docs["VWAP"].sources[:2] == ("bars.TradeTotalVWAP", "bars.TradeTotalVolume")
    assert module.input_names() == ("bars",)


# ---------------------------------------------------------------------------------------------
# Groups and keys
# ---------------------------------------------------------------------------------------------


def test_keys_are_per_instance() -> None:
    module = ReaggregateModule({"group_by": "InstrumentId", "columns": ["N"]})
    assert module.KEYS == ("InstrumentId", "TimeBucket")
    assert ReaggregateModule.KEYS == ("ListingId", "TimeBucket")
    assert ReaggregateModule({"columns": ["N"]}).KEYS == ("ListingId", "TimeBucket")


def test_group_column_from_the_source() -> None:
    source = bars([t(9, 1)] * 3, listing=[1, 2, 3], N=[1, 2, 4], MIC=["XLON", "XLON", None])
    out = run(source, TimeBuckets(), group_by="MIC")
    assert out.columns == ["MIC", "TimeBucket", "N"]
    assert out.rows() == [("XLON", t(9, 1), 3)]  # the listing without a MIC is dropped


def test_group_column_from_the_reference_table_per_date() -> None:
    days = [date(2024, 3, 4), date(2024, 3, 5)]
    source = pl.DataFrame(
        {
            "ListingId": [1, 2, 1, 2, 3],
            "Date": [days[0], days[0], days[1], days[1], days[1]],
            "TimeBucket": [
                t(9, 1),
                t(9, 1),
                t(9, 1) + timedelta(days=1),
                t(9, 1) + timedelta(days=1),
                t(9, 2) + timedelta(days=1),
            ],
            "N": [1, 2, 4, 8, 16],
            "InstrumentId": [99, 99, 99, 99, 99],  # the source's own column is replaced by the reference's
        }
    ).with_columns(pl.col("TimeBucket").cast(pl.Datetime("ns")))
    reference = pl.DataFrame(
        {
            "ListingId": [1, 2, 1, 2],
            "InstrumentId": [10, 10, 10, 20],  # listing 2 changes instrument on day 2; 3 is unknown
            "Date": [datetime(2024, 3, 4), datetime(2024, 3, 4), datetime(2024, 3, 5), datetime(2024, 3, 5)],
        }
    ).with_columns(pl.col("Date").cast(pl.Datetime("ms")))
    module = ReaggregateModule({"group_by": "InstrumentId", "reference": True, "columns": ["N"]})
    assert module.input_names() == ("source", "reference")
    out = run_module(module, {"source": source, "reference": reference}, buckets=TimeBuckets(seconds=900))
    assert out.rows() == [
        (10, t(9, 15), 3),
        (10, t(9, 15) + timedelta(days=1), 4),
        (20, t(9, 15) + timedelta(days=1), 8),
    ]


@pytest.mark.parametrize("suffix", [".parquet", ".csv"])
def test_group_table_file(tmp_path: Path, suffix: str) -> None:
    mapping = pl.DataFrame({"ListingId": [1, 2, 3], "Sector": ["Banks", "Banks", "Oil"]})
    path = tmp_path / f"groups{suffix}"
    mapping.write_parquet(path) if suffix == ".parquet" else mapping.write_csv(path)
    source = bars([t(9, 1)] * 4, listing=[1, 2, 3, 4], N=[1, 2, 4, 8])
    out = run(source, TimeBuckets(), group_by="Sector", group_table=str(path))
    assert out.rows() == [("Banks", t(9, 1), 3), ("Oil", t(9, 1), 4)]  # listing 4 has no group


# ---------------------------------------------------------------------------------------------
# Configuration
# ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "config",
    [
        {},
        {"columns": ["N", "N"]},
        {"columns": ["TimeBucket"]},
        {"columns": ["P"], "default_rule": "weighted_mean"},
        {"rules": {"P": {"rule": "sum", "weight": "V"}}},
        {"rules": {"P": "median"}},
        {"columns": ["N"], "group_by": "InstrumentId", "reference": True, "group_table": __file__},
        {"columns": ["N"], "group_by": "Sector", "group_table": "/nonexistent/groups.parquet"},
        {"columns": ["N"], "group_by": "Sector", "group_table": __file__},
        {"columns": ["N"], "reference": True},
        {"columns": ["InstrumentId"], "group_by": "InstrumentId"},
        {"columns": ["N"], "source_pass": "pass:bars"},
    ],
)
def test_invalid_configs(config: dict) -> None:
    with pytest.raises(ValidationError):
        ReaggregateConfig.model_validate(config)


def test_every_config_field_is_described() -> None:
    from basalt.analytics.reaggregate import RuleSpec

    for model in (ReaggregateConfig, RuleSpec):
        assert all(field.description for field in model.model_fields.values())
