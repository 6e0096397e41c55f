"""``adv_basis``: what ``adv{d}`` averages and which volume the seven unit-mismatched alphas read."""

from __future__ import annotations

import numpy as np
import polars as pl
import pytest
from alpha101_numpy import Reference
from alpha101_reference import REFERENCE
from test_alphas import assert_matches, column

import basalt_alpha101
from basalt_alpha101.inputs import ADV_BASES, VOLUME_VS_ADV
from basalt_alpha101.plan import Plan
from basalt_alpha101.registry import column_name, formula

BASES = ("consistent", "paper", "shares")


def test_the_bases_are_documented() -> None:
    assert tuple(ADV_BASES) == BASES
    assert basalt_alpha101.compute.__doc__ is not None
    for basis in BASES:
        assert f'"{basis}"' in basalt_alpha101.compute.__doc__
    assert VOLUME_VS_ADV == (7, 17, 21, 39, 43, 47, 100)
    for number in VOLUME_VS_ADV:
        assert "adv20" in formula(number)
        assert "volume" in formula(number)


def test_an_unknown_basis_is_refused(panel: pl.DataFrame) -> None:
    with pytest.raises(ValueError, match="adv_basis must be one of"):
        basalt_alpha101.compute(panel, ids=[7], adv_basis="dollars")  # type: ignore[arg-type]


@pytest.fixture(scope="module")
def by_basis(panel: pl.DataFrame) -> dict[str, pl.DataFrame]:
    ids = [*VOLUME_VS_ADV, 28]
    return {basis: basalt_alpha101.compute(panel, ids=ids, adv_basis=basis).collect() for basis in BASES}  # type: ignore[arg-type]


@pytest.mark.parametrize("basis", BASES)
@pytest.mark.parametrize("number", VOLUME_VS_ADV)
def test_the_seven_follow_the_stated_formula(
    number: int, basis: str, panel: pl.DataFrame, by_basis: dict[str, pl.DataFrame]
) -> None:
    reference = Reference(panel, adv_basis=basis)
    expected = REFERENCE[number](reference)
    assert_matches(column(by_basis[basis], column_name(number)), expected, f"{column_name(number)} {basis}")


def test_adv_itself_under_each_basis(panel: pl.DataFrame) -> None:
    # adv20 from the definition, by hand: the mean of the listing's last 20 values.
    for basis, base in (("consistent", "amount"), ("paper", "amount"), ("shares", "volume")):
        out = basalt_alpha101.evaluate(panel, {"adv20": lambda p: p.adv(20)}, adv_basis=basis).collect()  # type: ignore[arg-type]
        listing = panel.filter(pl.col("ListingId") == 1000).sort("TimeBucket")[base].to_numpy()
        got = out.filter(pl.col("ListingId") == 1000)["adv20"].to_numpy()
        np.testing.assert_allclose(
            got[19:40], [listing[t - 19 : t + 1].mean() for t in range(19, 40)], rtol=1e-12
        )


def test_the_bases_differ_where_they_should(by_basis: dict[str, pl.DataFrame]) -> None:
    consistent, paper, shares = (by_basis[b] for b in BASES)
    # Alpha#7 read literally: dollar adv20 is never below a share count on this panel.
    literal = paper["Alpha007"].drop_nulls()
    assert (literal == -1.0).all()
    assert (consistent["Alpha007"].drop_nulls() != -1.0).any()
    # Alpha#28 reads adv20 but no volume: the same under consistent and paper, not under shares.
    assert consistent["Alpha028"].equals(paper["Alpha028"])
    assert not consistent["Alpha028"].equals(shares["Alpha028"])


def test_the_default_output_is_the_consistent_basis(
    alphas: pl.DataFrame, by_basis: dict[str, pl.DataFrame]
) -> None:
    # The session's alphas are computed without adv_basis.
    consistent = by_basis["consistent"]
    assert consistent.equals(alphas.select(consistent.columns))


def test_plan_reads_the_basis() -> None:
    assert Plan().adv_basis == "consistent"
    plan = Plan("shares")
    plan.adv(20)
    assert plan.take_used() == {"volume"}
    plan = Plan("paper")
    _ = plan.volume_vs_adv
    assert plan.take_used() == {"volume"}
