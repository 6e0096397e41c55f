"""basalt_alpha101.compute: inputs, mapping, derivations, errors, ordering, engines."""

from __future__ import annotations

import numpy as np
import polars as pl
import pytest

import basalt_alpha101
from basalt_alpha101 import MissingInputError, compute


def test_missing_inputs_name_the_alpha_and_the_input(panel: pl.DataFrame) -> None:
    frame = panel.drop("subindustry", "cap")
    with pytest.raises(MissingInputError) as excinfo:
        compute(frame, ids=[1, 48, 56, 100])
    message = str(excinfo.value)
    assert "Alpha048 needs input 'subindustry'" in message
    assert "Alpha056 needs input 'cap'" in message
    assert "Alpha100 needs input 'subindustry'" in message
    assert "Alpha001" not in message
    # The other alphas are fine without them.
    assert compute(frame, ids=[1, 101]).collect().height == panel.height


def test_missing_derivable_input_says_how_to_derive_it(panel: pl.DataFrame) -> None:
    with pytest.raises(MissingInputError, match=r"Alpha025 needs input 'amount'.*'vwap' and 'volume'"):
        compute(panel.drop("amount", "vwap"), ids=[25])


def test_missing_keys_and_unknown_names_are_errors(panel: pl.DataFrame) -> None:
    with pytest.raises(ValueError, match="lacks \\['TimeBucket'\\]"):
        compute(panel.drop("TimeBucket"), ids=[101])
    with pytest.raises(ValueError, match="did you mean 'close'"):
        compute(panel, ids=[101], columns={"closse": "close"})
    with pytest.raises(ValueError, match="no alpha 102"):
        compute(panel, ids=[102])
    with pytest.raises(ValueError, match="chosen twice"):
        compute(panel, ids=[1, "Alpha001"])


def test_ids_choose_and_order_the_columns(panel: pl.DataFrame) -> None:
    out = compute(panel, ids=["alpha101", 7, "Alpha#12"]).collect()
    assert out.columns == ["ListingId", "TimeBucket", "Alpha101", "Alpha007", "Alpha012"]


def test_columns_map_our_inputs_to_the_frame_names(panel: pl.DataFrame, alphas: pl.DataFrame) -> None:
    renamed = panel.rename({"close": "ClosePrice", "open": "OpenPrice", "subindustry": "GICS6"})
    mapping = {"close": "ClosePrice", "open": "OpenPrice", "subindustry": "GICS6"}
    out = compute(renamed, ids=[48, 101], columns=mapping).collect()
    assert out.select("Alpha048", "Alpha101").equals(alphas.select("Alpha048", "Alpha101"))


def test_derived_inputs_match_given_ones(panel: pl.DataFrame) -> None:
    # The panel's returns are close-to-close by calendar day; leave out listing 1005,
    # whose missing rows make "the previous row" a different day.
    frame = panel.filter(pl.col("ListingId") != 1005)
    ids = [1, 7, 8, 19, 41, 47]
    names = [f"Alpha{n:03d}" for n in ids]
    given = compute(frame, ids=ids).collect().select(names)
    assert compute(frame.drop("returns"), ids=ids).collect().select(names).equals(given)
    # amount = vwap * volume is how the panel made it: bit-identical.
    assert compute(frame.drop("amount"), ids=ids).collect().select(names).equals(given)
    # vwap = amount / volume rounds differently, in the last bits only (and is null
    # where volume is: listing 1007 on day 60).
    no_vwap = compute(frame.drop("vwap"), ids=[41]).collect()["Alpha041"].fill_null(np.nan).to_numpy()
    expected = given["Alpha041"].fill_null(np.nan).to_numpy()
    assert np.isnan(no_vwap).sum() == np.isnan(expected).sum() + 1
    both = ~np.isnan(no_vwap) & ~np.isnan(expected)
    np.testing.assert_allclose(no_vwap[both], expected[both], rtol=1e-12, atol=1e-12)


def test_returns_are_derived_from_the_previous_row(panel: pl.DataFrame) -> None:
    out = basalt_alpha101.evaluate(panel.drop("returns"), {"r": lambda p: p.returns}).collect()
    gap = out.filter(pl.col("ListingId") == 1005).with_row_index().filter(pl.col("index") == 150)
    close = panel.filter(pl.col("ListingId") == 1005)["close"]
    assert gap["r"].item() == pytest.approx(close[150] / close[149] - 1, rel=1e-15)


def test_rows_need_not_be_sorted(panel: pl.DataFrame, alphas: pl.DataFrame) -> None:
    shuffled = panel.sample(fraction=1.0, shuffle=True, seed=1)
    out = compute(shuffled, ids=[4, 29, 58]).collect()
    assert out.equals(alphas.select("ListingId", "TimeBucket", "Alpha004", "Alpha029", "Alpha058"))


def test_nan_is_read_as_null_and_integers_as_floats() -> None:
    frame = pl.DataFrame(
        {
            "ListingId": [1, 1, 2, 2],
            "TimeBucket": [1, 2, 1, 2],
            "open": [1, 2, 3, 4],
            "close": [2.0, float("nan"), 5.0, 3.0],
            "high": [3, 3, 6, 5],
            "low": [1, 1, 2, 2],
        }
    )
    out = compute(frame, ids=[101]).collect()
    assert out["Alpha101"].to_list() == [1 / 2.001, None, 2 / 4.001, -1 / 3.001]
    assert out.schema["Alpha101"] == pl.Float64


def test_result_is_lazy_and_engine_independent(panel: pl.DataFrame) -> None:
    lazy = compute(panel.lazy(), ids=[13, 50])
    assert isinstance(lazy, pl.LazyFrame)
    assert lazy.collect_schema().names() == ["ListingId", "TimeBucket", "Alpha013", "Alpha050"]
    assert lazy.collect(engine="streaming").equals(lazy.collect(engine="in-memory"))


def test_package_import_stays_light() -> None:
    import subprocess
    import sys

    code = "import sys, basalt_alpha101.plugin\nassert 'polars' not in sys.modules, 'polars imported'"
    subprocess.run([sys.executable, "-c", code], check=True)
    assert basalt_alpha101.compute is compute


def test_zero_is_never_negative(alphas: pl.DataFrame) -> None:
    # Alpha#62 is "(a < b) * -1": false gives -0.0 in IEEE arithmetic, reported as 0.0.
    zeros = alphas.filter(pl.col("Alpha062") == 0)["Alpha062"].to_numpy()
    assert len(zeros) > 0
    assert not np.signbit(zeros).any()
