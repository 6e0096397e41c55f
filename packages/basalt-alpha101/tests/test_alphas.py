"""The alphas against an independent numpy reference, and all 101 on a generated panel."""

from __future__ import annotations

import re

import numpy as np
import polars as pl
import pytest
from alpha101_numpy import Reference
from alpha101_reference import REFERENCE, SPLIT

from basalt_alpha101.api import evaluate
from basalt_alpha101.inputs import VOLUME_VS_ADV
from basalt_alpha101.plan import Plan
from basalt_alpha101.registry import ALPHAS, column_name, formula, inputs_of

RTOL, ATOL = 1e-9, 1e-12
"""Relative tolerance, plus an absolute floor for values that are 0 up to rounding."""


@pytest.fixture(scope="module")
def reference(panel: pl.DataFrame) -> Reference:
    return Reference(panel)


def assert_matches(got: np.ndarray, expected: np.ndarray, what: str) -> None:
    got_null, expected_null = np.isnan(got), np.isnan(expected)
    assert (got_null == expected_null).all(), (
        f"{what}: null patterns differ at {int((got_null != expected_null).sum())} rows"
    )
    both = ~got_null
    close = np.isclose(got[both], expected[both], rtol=RTOL, atol=ATOL)
    assert close.all(), (
        f"{what}: {int((~close).sum())} values differ, worst "
        f"{np.max(np.abs(got[both] - expected[both])[~close]):.3g}"
    )
    assert both.sum() >= 300, f"{what}: too few values to compare"


def column(frame: pl.DataFrame, name: str) -> np.ndarray:
    return frame[name].cast(pl.Float64).fill_null(np.nan).to_numpy()


def test_the_reference_covers_enough_alphas_and_operators() -> None:
    assert len(REFERENCE) >= 20
    source = "\n".join(ALPHAS[n].__doc__ or "" for n in REFERENCE)
    for operator in ("rank(", "Ts_Rank", "correlation(", "decay_linear(", "IndNeutralize", "?", "adv20"):
        assert operator.lower() in source.lower(), operator


@pytest.mark.parametrize("number", sorted(set(REFERENCE) - set(SPLIT)))
def test_alpha_matches_the_numpy_reference(number: int, alphas: pl.DataFrame, reference: Reference) -> None:
    assert_matches(column(alphas, column_name(number)), REFERENCE[number](reference), column_name(number))


def _stage_formulas(p: Plan, number: int) -> list[dict[str, pl.Expr]]:
    """The tie-prone intermediates of a SPLIT alpha, built as the alpha builds them."""
    if number == 13:
        return [{"cov": p.covariance(p.rank(p.close), p.rank(p.volume), 5)}]
    assert number == 98
    corr = p.correlation(p.rank(p.open), p.rank(p.adv(15)), 20.8187)
    left = p.decay_linear(p.correlation(p.vwap, p.sum(p.adv(5), 26.4719), 4.58418), 7.18088)
    right = p.decay_linear(p.ts_rank(p.ts_argmin(corr, 8.62571), 6.95668), 8.07206)
    return [{"corr": corr}, {"left": left, "right": right}]


def _stages(panel: pl.DataFrame, number: int) -> list[pl.DataFrame]:
    """Polars' intermediates of a SPLIT alpha, one frame per stage.

    Evaluated the way compute() evaluates the alpha (same plan, engine and input
    preparation): rolling sums round differently, in the last bit, with the rows
    before the window, the engine and the chunking.
    """
    names = [list(stage) for stage in _stage_formulas(Plan(), number)]
    formulas = {
        f"{i}:{name}": (lambda p, i=i, name=name: _stage_formulas(p, number)[i][name])
        for i, stage in enumerate(names)
        for name in stage
    }
    frame = evaluate(panel, formulas).collect()
    return [frame.select(pl.col(f"{i}:{n}").alias(n) for n in stage) for i, stage in enumerate(names)]


@pytest.mark.parametrize("number", sorted(SPLIT))
def test_tie_prone_alpha_matches_the_reference_stage_by_stage(
    number: int, panel: pl.DataFrame, alphas: pl.DataFrame, reference: Reference
) -> None:
    *steps, tail = SPLIT[number]
    fed = None
    for step, ours in zip(steps, _stages(panel, number), strict=True):
        theirs = step(reference, fed)
        for name in theirs:
            assert_matches(column(ours, name), theirs[name], f"{column_name(number)} {name}")
        fed = {name: column(ours, name) for name in theirs}
    assert_matches(column(alphas, column_name(number)), tail(reference, fed), column_name(number))


def test_all_101_alphas_compute_and_none_is_all_null(alphas: pl.DataFrame, panel: pl.DataFrame) -> None:
    names = [column_name(n) for n in range(1, 102)]
    assert alphas.columns == ["ListingId", "TimeBucket", *names]
    assert alphas.height == panel.height
    assert all(alphas.schema[name] == pl.Float64 for name in names)
    counts = alphas.select(pl.col(names).is_not_null().sum()).row(0, named=True)
    empty = [name for name, count in counts.items() if count == 0]
    assert not empty, f"entirely null: {empty}"
    # Even the longest windows (Alpha#48: 250-day correlation of lagged deltas) leave
    # a fair share of this 300-day panel.
    assert min(counts.values()) >= 300, counts


def test_no_alpha_emits_nan_or_infinity(alphas: pl.DataFrame) -> None:
    numbers = alphas.select(pl.exclude("ListingId", "TimeBucket"))
    bad = numbers.select(pl.all().is_nan().sum() + pl.all().is_infinite().sum()).row(0, named=True)
    assert not any(bad.values()), {name: n for name, n in bad.items() if n}


def test_every_alpha_quotes_its_formula() -> None:
    assert sorted(ALPHAS) == list(range(1, 102))
    for number in ALPHAS:
        text = formula(number)
        assert text.count("(") == text.count(")"), (number, text)
        assert not text.startswith("Alpha#"), f"Alpha#{number} has no Formula:: block"
    assert formula(1) == (
        "(rank(Ts_ArgMax(SignedPower(((returns < 0) ? stddev(returns, 20) : close), 2.), 5)) - 0.5)"
    )
    assert formula(54) == "((-1 * ((low - close) * (open^5))) / ((low - high) * (close^5)))"
    assert formula(101) == "((close - open) / ((high - low) + .001))"


@pytest.mark.parametrize("number", VOLUME_VS_ADV)
def test_unit_mismatch_resolutions_are_documented_and_follow_the_adv_basis(number: int) -> None:
    doc = ALPHAS[number].__doc__ or ""
    assert re.search(r"Resolution \(``adv_basis``\):.*amount", doc, re.S), doc
    assert "volume" in formula(number)
    assert "amount" in inputs_of(number)  # consistent: notional on both sides
    assert "amount" in inputs_of(number, "paper")  # dollar adv20 ...
    assert "volume" in inputs_of(number, "paper")  # ... against share volume
    assert "amount" not in inputs_of(number, "shares")
    assert "volume" in inputs_of(number, "shares")


def test_inputs_are_traced_per_alpha() -> None:
    assert inputs_of(101) == {"open", "high", "low", "close"}
    assert inputs_of(56) == {"returns", "cap"}
    assert inputs_of(48) == {"close", "subindustry"}
    assert {"sector", "subindustry", "vwap", "amount", "high"} == set(inputs_of(67))
