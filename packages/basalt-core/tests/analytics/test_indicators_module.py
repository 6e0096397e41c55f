"""Hand-computed checks of ``indicators`` on tiny series (warm-ups, nulls, resets, names, config)."""

from __future__ import annotations

import math
from datetime import date, datetime, timedelta

import polars as pl
import pytest
from pydantic import ValidationError

from basalt.analytics.indicators import IndicatorsConfig, IndicatorsModule, IndicatorSpec
from basalt.testing import run_module
from basalt.timebuckets import TimeBuckets

X = [10.0, 11.0, 12.0, 11.0, 13.0, 15.0, 14.0]
T0 = datetime(2024, 3, 4, 9, 0)


def source(values: list, listing: int = 1, start: datetime = T0, **others: list) -> pl.DataFrame:
    labels = [start + timedelta(minutes=i + 1) for i in range(len(values))]
    data = {"ListingId": listing, "Date": start.date(), "TimeBucket": labels, "C": values, **others}
    return pl.DataFrame(data).with_columns(
        pl.col("TimeBucket").cast(pl.Datetime("ns")), pl.col("C").cast(pl.Float64)
    )


def run(frame: pl.DataFrame, *specs: dict, **config) -> pl.DataFrame:
    return run_module(IndicatorsModule, {"source": frame}, config={"indicators": list(specs), **config})


def approx(values: list) -> list:
    return [None if v is None else pytest.approx(v, rel=1e-12) for v in values]


def test_sma_ema_wma_and_their_warm_up() -> None:
    out = run(
        source(X),
        {"kind": "sma", "column": "C", "window": 3},
        {"kind": "ema", "column": "C", "window": 3},
        {"kind": "wma", "column": "C", "window": 3},
    )
    assert out.columns == ["ListingId", "TimeBucket", "CSMA3", "CEMA3", "CWMA3"]
    assert out["CSMA3"].to_list() == approx([None, None, 11, 34 / 3, 12, 13, 14])
    # α = 2/(3+1) = 0.5, seeded with the SMA at the 3rd observation.
    assert out["CEMA3"].to_list() == approx([None, None, 11, 11, 12, 13.5, 13.75])
    assert out["CWMA3"].to_list() == approx([None, None, 68 / 6, 68 / 6, 73 / 6, 82 / 6, 85 / 6])


def test_rsi_uses_wilder_smoothing_seeded_with_simple_means() -> None:
    out = run(source(X), {"kind": "rsi", "column": "C", "window": 3})
    # Changes +1 +1 -1 +2 +2 -1. At t=4: AG = 2/3, AL = 1/3; then A = (A·2 + x)/3.
    assert out["CRSI3"].to_list() == approx(
        [None, None, None, 200 / 3, 1000 / 12, 100 * 38 / 42, 100 * 76 / 111]
    )


def test_rsi_is_50_without_moves_and_100_without_losses() -> None:
    out = run(source([5.0] * 4 + [6.0, 7.0]), {"kind": "rsi", "column": "C", "window": 2})
    assert out["CRSI2"].to_list() == [None, None, 50.0, 50.0, 100.0, 100.0]


def test_macd_signal_and_histogram() -> None:
    out = run(source(X[:5]), {"kind": "macd", "column": "C", "fast": 2, "slow": 3, "signal": 2})
    name = "CMACD2_3_2"
    assert out.columns[2:] == [name, f"{name}Signal", f"{name}Hist"]
    # EMA2 (α 2/3): 10.5, 11.5, 67/6, 223/18; EMA3 (α 1/2): 11, 11, 12 from t=3.
    macd = [None, None, 0.5, 1 / 6, 7 / 18]
    signal = [None, None, None, 1 / 3, 2 / 3 * 7 / 18 + 1 / 3 * 1 / 3]
    assert out[name].to_list() == approx(macd)
    assert out[f"{name}Signal"].to_list() == approx(signal)
    assert out[f"{name}Hist"].to_list() == approx([None, None, None, 1 / 6 - 1 / 3, macd[4] - signal[4]])


def test_macd_default_name_and_warm_up() -> None:
    out = run(source([float(i % 7) for i in range(40)]), {"kind": "macd", "column": "C"})
    assert out.columns[2] == "CMACD12_26_9"
    assert out["CMACD12_26_9"].is_null().sum() == 25  # non-null from the 26th observation
    assert out["CMACD12_26_9Signal"].is_null().sum() == 26 + 9 - 2  # from the 34th


def test_bollinger_population_std_by_default() -> None:
    out = run(source(X[:4]), {"kind": "bollinger", "column": "C", "window": 3})
    sd = math.sqrt(2 / 3)
    assert out.columns[2:] == ["CBB3Mid", "CBB3Upper", "CBB3Lower"]
    assert list(out.row(2)[2:]) == approx([11, 11 + 2 * sd, 11 - 2 * sd])
    sample = run(source(X[:4]), {"kind": "bollinger", "column": "C", "window": 3, "k": 1, "ddof": 1})
    assert sample["CBB3Upper"].to_list() == approx([None, None, 12, 34 / 3 + math.sqrt(1 / 3)])


def test_atr() -> None:
    close = X
    high = [c + 1 for c in close]
    low = [c - 1 for c in close]
    out = run(
        source(close, H=high, L=low), {"kind": "atr", "column": "C", "high": "H", "low": "L", "window": 3}
    )
    # True ranges: 2 (first: H-L), 2, 2, 2, 3 (gap up from 11), 3, 2.
    assert out["CATR3"].to_list() == approx([None, None, 2, 2, 7 / 3, 23 / 9, 64 / 27])


def test_zscore_and_std_sample_by_default() -> None:
    out = run(
        source(X[:4]),
        {"kind": "zscore", "column": "C", "window": 3},
        {"kind": "std", "column": "C", "window": 3},
    )
    assert out["CStd3"].to_list() == approx([None, None, 1.0, math.sqrt(1 / 3)])
    assert out["CZScore3"].to_list() == approx([None, None, 1.0, (11 - 34 / 3) / math.sqrt(1 / 3)])


def test_zscore_is_null_on_a_flat_window() -> None:
    out = run(source([3.0, 5.0, 5.0, 5.0, 6.0]), {"kind": "zscore", "column": "C", "window": 3})
    expected = [None, None, (5 - 13 / 3) / math.sqrt(4 / 3), None, (6 - 16 / 3) / math.sqrt(1 / 3)]
    assert out["CZScore3"].to_list() == approx(expected)


def test_null_inputs_are_skipped_not_counted() -> None:
    out = run(source([10.0, None, 12.0, 14.0, None]), {"kind": "sma", "column": "C", "window": 2})
    assert out["CSMA2"].to_list() == [None, None, 11.0, 13.0, None]
    atr = run(
        source([10.0, 11.0, 12.0], H=[11.0, None, 13.0], L=[9.0, 10.0, 11.0]),
        {"kind": "atr", "column": "C", "high": "H", "low": "L", "window": 2},
    )
    # Observation 2 lacks its high: the previous close of 12 is 10.
    assert atr["CATR2"].to_list() == [None, None, pytest.approx((2 + (13 - 10)) / 2)]


def test_series_per_listing_whatever_the_input_order() -> None:
    frame = pl.concat([source(X, listing=2), source([1.0, 2.0, 3.0], listing=1)]).reverse()
    out = run(frame, {"kind": "sma", "column": "C", "window": 2})
    assert out["ListingId"].to_list() == [1] * 3 + [2] * 7
    assert out["CSMA2"].to_list()[:4] == [None, 1.5, 2.5, None]


def test_reset_daily_restarts_each_series() -> None:
    day1 = source([1.0, 2.0, 3.0])
    day2 = source([10.0, 20.0, 30.0], start=T0 + timedelta(days=1))
    frame = pl.concat([day1, day2])
    carried = run(frame, {"kind": "sma", "column": "C", "window": 2})
    assert carried["CSMA2"].to_list() == [None, 1.5, 2.5, 6.5, 15.0, 25.0]
    reset = run(frame, {"kind": "sma", "column": "C", "window": 2}, reset_daily=True)
    assert reset["CSMA2"].to_list() == [None, 1.5, 2.5, None, 15.0, 25.0]
    # Without a Date column the day comes from the label: with end labels, the bucket ending at
    # midnight belongs to the day before; with start labels, to the day it starts.
    d1, d2, d3 = (datetime(2024, 3, d) for d in (4, 5, 6))
    labels = [d1 + timedelta(hours=23, minutes=59), d2, d2 + timedelta(minutes=1)]
    labels += [label + timedelta(days=1) for label in labels]
    no_date = pl.DataFrame(
        {"ListingId": 1, "TimeBucket": labels, "C": [1.0, 2.0, 3.0, 10.0, 20.0, 30.0]}
    ).with_columns(pl.col("TimeBucket").cast(pl.Datetime("ns")))
    assert labels[4] == d3
    out = run(no_date, {"kind": "sma", "column": "C", "window": 2}, reset_daily=True)
    assert out["CSMA2"].to_list() == [None, 1.5, None, 6.5, 15.0, None]
    start = run_module(
        IndicatorsModule,
        {"source": no_date},
        config={"indicators": [{"kind": "sma", "column": "C", "window": 2}], "reset_daily": True},
        buckets=TimeBuckets(anchor="start"),
    )
    assert start["CSMA2"].to_list() == [None, None, 2.5, 6.5, None, 25.0]


def test_group_by_another_key() -> None:
    frame = source(X[:3]).rename({"ListingId": "InstrumentId"})
    module = IndicatorsModule(
        {"group_by": "InstrumentId", "indicators": [{"kind": "sma", "column": "C", "window": 2}]}
    )
    assert module.KEYS == ("InstrumentId", "TimeBucket")
    assert IndicatorsModule.KEYS == (
        "ListingId",
        "TimeBucket",
    )
    out = run_module(module, {"source": frame})
    assert out.columns == ["InstrumentId", "TimeBucket", "CSMA2"]


def test_several_indicators_keep_their_own_parameters_and_names() -> None:
    module = IndicatorsModule(
        {
            "source_pass": "bars",
            "indicators": [
                {"kind": "ema", "column": "Mid", "window": 5},
                {"kind": "ema", "column": "Mid", "window": 50},
                {"kind": "bollinger", "column": "Mid", "k": 3, "name": "Wide"},
                {"kind": "rsi", "column": "TradeTotalVWAP"},
            ],
        }
    )
    docs = module.columns()
    assert [d.name for d in docs] == [
        "MidEMA5",
        "MidEMA50",
        "WideMid",
        "WideUpper",
        "WideLower",
        "TradeTotalVWAPRSI14",
    ]
    assert module.input_names() == ("bars",)
    assert all(d.dtype == "Float64" and d.sources and d.sources[0].startswith("bars.") for d in docs)
    assert docs[0].pattern == "{Column}EMA{n}"
    assert "α = 2/(5+1)" in docs[0].definition
    assert "3·σ" in docs[3].definition
    assert "population" in docs[3].definition
    assert docs[5].unit == "index (0-100)"


@pytest.mark.parametrize(
    "spec",
    [
        {"kind": "macd", "column": "C", "fast": 26, "slow": 12},
        {"kind": "atr", "column": "C", "high": "H"},
        {"kind": "sma", "column": "C", "k": 2},
        {"kind": "macd", "column": "C", "window": 3},
        {"kind": "std", "column": "C", "window": 1},
        {"kind": "sma", "column": "C", "window": 0},
        {"kind": "wavelet", "column": "C"},
        {"kind": "sma", "column": "C", "ddof": 1},
    ],
)
def test_invalid_specs(spec: dict) -> None:
    with pytest.raises(ValidationError):
        IndicatorSpec.model_validate(spec)


@pytest.mark.parametrize(
    "config",
    [
        {"indicators": []},
        {
            "indicators": [
                {"kind": "sma", "column": "C", "window": 2},
                {"kind": "sma", "column": "C", "window": 2},
            ]
        },
        {"indicators": [{"kind": "sma", "column": "C", "name": "TimeBucket"}]},
        {"indicators": [{"kind": "sma", "column": "C"}], "extra": 1},
    ],
)
def test_invalid_configs(config: dict) -> None:
    with pytest.raises(ValidationError):
        IndicatorsConfig.model_validate(config)


def test_every_config_field_is_described() -> None:
    for model in (IndicatorsConfig, IndicatorSpec):
        assert all(field.description for field in model.model_fields.values())


def test_dates_of_the_source_are_used_for_reset() -> None:
    frame = source([1.0, 2.0, 3.0]).with_columns(
        pl.Series("Date", [date(2024, 3, 4), date(2024, 3, 4), date(2024, 3, 5)])
    )
    out = run(frame, {"kind": "sma", "column": "C", "window": 2}, reset_daily=True)
    assert out["CSMA2"].to_list() == [None, 1.5, None]
