# ruff: noqa: E501 - each function quotes the paper's formula verbatim, on one line.
"""Reference alphas in plain numpy, each transcribed from the paper's appendix.

Uses only :mod:`alpha101_numpy`. Where the package resolves an ambiguity (see its
docstrings), the reference follows the documented resolution: ``volume`` next to
``adv20`` is what the ``adv_basis`` of the :class:`Reference` says (the notional
``amount`` by default, see ``Reference.volume_vs_adv``); a numeric second argument
of ``min`` is a ``ts_min`` window.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
from alpha101_numpy import Reference, div, either, eq, log, lt, power, signedpower, ternary

Array = np.ndarray


def a001(r: Reference) -> Array:
    # (rank(Ts_ArgMax(SignedPower(((returns < 0) ? stddev(returns, 20) : close), 2.), 5)) - 0.5)
    returns, close = r.col("returns"), r.col("close")
    x = ternary(lt(returns, 0), r.stddev(returns, 20), close)
    return r.rank(r.ts_argmax(signedpower(x, 2.0), 5)) - 0.5


def a002(r: Reference) -> Array:
    # (-1 * correlation(rank(delta(log(volume), 2)), rank(((close - open) / open)), 6))
    o, c = r.col("open"), r.col("close")
    return -1 * r.correlation(r.rank(r.delta(log(r.col("volume")), 2)), r.rank(div(c - o, o)), 6)


def a004(r: Reference) -> Array:
    # (-1 * Ts_Rank(rank(low), 9))
    return -1 * r.ts_rank(r.rank(r.col("low")), 9)


def a006(r: Reference) -> Array:
    # (-1 * correlation(open, volume, 10))
    return -1 * r.correlation(r.col("open"), r.col("volume"), 10)


def a007(r: Reference) -> Array:
    # ((adv20 < volume) ? ((-1 * ts_rank(abs(delta(close, 7)), 60)) * sign(delta(close, 7))) : (-1 * 1))
    d7 = r.delta(r.col("close"), 7)
    return ternary(lt(r.adv(20), r.volume_vs_adv()), (-1 * r.ts_rank(np.abs(d7), 60)) * np.sign(d7), -1.0)


def a008(r: Reference) -> Array:
    # (-1 * rank(((sum(open, 5) * sum(returns, 5)) - delay((sum(open, 5) * sum(returns, 5)), 10))))
    x = r.sum(r.col("open"), 5) * r.sum(r.col("returns"), 5)
    return -1 * r.rank(x - r.delay(x, 10))


def a009(r: Reference) -> Array:
    # ((0 < ts_min(delta(close, 1), 5)) ? delta(close, 1) : ((ts_max(delta(close, 1), 5) < 0) ? delta(close, 1) : (-1 * delta(close, 1))))
    d1 = r.delta(r.col("close"), 1)
    return ternary(lt(0, r.ts_min(d1, 5)), d1, ternary(lt(r.ts_max(d1, 5), 0), d1, -1 * d1))


def a012(r: Reference) -> Array:
    # (sign(delta(volume, 1)) * (-1 * delta(close, 1)))
    return np.sign(r.delta(r.col("volume"), 1)) * (-1 * r.delta(r.col("close"), 1))


def inter013(r: Reference, fed: None = None) -> dict[str, Array]:
    return {"cov": r.covariance(r.rank(r.col("close")), r.rank(r.col("volume")), 5)}


def tail013(r: Reference, inter: dict[str, Array]) -> Array:
    return -1 * r.rank(inter["cov"])


def a013(r: Reference) -> Array:
    # (-1 * rank(covariance(rank(close), rank(volume), 5)))
    return tail013(r, inter013(r))


def a017(r: Reference) -> Array:
    # (((-1 * rank(ts_rank(close, 10))) * rank(delta(delta(close, 1), 1))) * rank(ts_rank((volume / adv20), 5)))
    c = r.col("close")
    rel = div(r.volume_vs_adv(), r.adv(20))
    return (-1 * r.rank(r.ts_rank(c, 10))) * r.rank(r.delta(r.delta(c, 1), 1)) * r.rank(r.ts_rank(rel, 5))


def a019(r: Reference) -> Array:
    # ((-1 * sign(((close - delay(close, 7)) + delta(close, 7)))) * (1 + rank((1 + sum(returns, 250)))))
    c = r.col("close")
    move = (c - r.delay(c, 7)) + r.delta(c, 7)
    return (-1 * np.sign(move)) * (1 + r.rank(1 + r.sum(r.col("returns"), 250)))


def a021(r: Reference) -> Array:
    # ((((sum(close, 8) / 8) + stddev(close, 8)) < (sum(close, 2) / 2)) ? (-1 * 1) : (((sum(close, 2) / 2) < ((sum(close, 8) / 8) - stddev(close, 8))) ? 1 : (((1 < (volume / adv20)) || ((volume / adv20) == 1)) ? 1 : (-1 * 1))))
    c = r.col("close")
    m8, s8, m2 = r.sum(c, 8) / 8, r.stddev(c, 8), r.sum(c, 2) / 2
    rel = div(r.volume_vs_adv(), r.adv(20))
    inner = ternary(either(lt(1, rel), eq(rel, 1)), 1.0, -1.0)
    return ternary(lt(m8 + s8, m2), -1.0, ternary(lt(m2, m8 - s8), 1.0, inner))


def a024(r: Reference) -> Array:
    # ((((delta((sum(close, 100) / 100), 100) / delay(close, 100)) < 0.05) || ((delta((sum(close, 100) / 100), 100) / delay(close, 100)) == 0.05)) ? (-1 * (close - ts_min(close, 100))) : (-1 * delta(close, 3)))
    c = r.col("close")
    g = div(r.delta(r.sum(c, 100) / 100, 100), r.delay(c, 100))
    return ternary(either(lt(g, 0.05), eq(g, 0.05)), -1 * (c - r.ts_min(c, 100)), -1 * r.delta(c, 3))


def a028(r: Reference) -> Array:
    # scale(((correlation(adv20, low, 5) + ((high + low) / 2)) - close))
    lo, hi = r.col("low"), r.col("high")
    return r.scale((r.correlation(r.adv(20), lo, 5) + (hi + lo) / 2) - r.col("close"))


def a029(r: Reference) -> Array:
    # (min(product(rank(rank(scale(log(sum(ts_min(rank(rank((-1 * rank(delta((close - 1), 5))))), 2), 1))))), 1), 5) + ts_rank(delay((-1 * returns), 6), 5))
    inner = r.rank(r.rank(-1 * r.rank(r.delta(r.col("close") - 1, 5))))
    core = r.rank(r.rank(r.scale(log(r.sum(r.ts_min(inner, 2), 1)))))
    return r.ts_min(r.product(core, 1), 5) + r.ts_rank(r.delay(-1 * r.col("returns"), 6), 5)


def a030(r: Reference) -> Array:
    # (((1.0 - rank(((sign((close - delay(close, 1))) + sign((delay(close, 1) - delay(close, 2)))) + sign((delay(close, 2) - delay(close, 3)))))) * sum(volume, 5)) / sum(volume, 20))
    c, v = r.col("close"), r.col("volume")
    c1, c2, c3 = r.delay(c, 1), r.delay(c, 2), r.delay(c, 3)
    s = np.sign(c - c1) + np.sign(c1 - c2) + np.sign(c2 - c3)
    return div((1.0 - r.rank(s)) * r.sum(v, 5), r.sum(v, 20))


def a036(r: Reference) -> Array:
    # (((((2.21 * rank(correlation((close - open), delay(volume, 1), 15))) + (0.7 * rank((open - close)))) + (0.73 * rank(Ts_Rank(delay((-1 * returns), 6), 5)))) + rank(abs(correlation(vwap, adv20, 6)))) + (0.6 * rank((((sum(close, 200) / 200) - open) * (close - open)))))
    c, o = r.col("close"), r.col("open")
    return (
        2.21 * r.rank(r.correlation(c - o, r.delay(r.col("volume"), 1), 15))
        + 0.7 * r.rank(o - c)
        + 0.73 * r.rank(r.ts_rank(r.delay(-1 * r.col("returns"), 6), 5))
        + r.rank(np.abs(r.correlation(r.col("vwap"), r.adv(20), 6)))
        + 0.6 * r.rank((r.sum(c, 200) / 200 - o) * (c - o))
    )


def a039(r: Reference) -> Array:
    # ((-1 * rank((delta(close, 7) * (1 - rank(decay_linear((volume / adv20), 9)))))) * (1 + rank(sum(returns, 250))))
    rel = div(r.volume_vs_adv(), r.adv(20))
    x = r.delta(r.col("close"), 7) * (1 - r.rank(r.decay_linear(rel, 9)))
    return (-1 * r.rank(x)) * (1 + r.rank(r.sum(r.col("returns"), 250)))


def a043(r: Reference) -> Array:
    # (ts_rank((volume / adv20), 20) * ts_rank((-1 * delta(close, 7)), 8))
    rel = div(r.volume_vs_adv(), r.adv(20))
    return r.ts_rank(rel, 20) * r.ts_rank(-1 * r.delta(r.col("close"), 7), 8)


def a045(r: Reference) -> Array:
    # (-1 * ((rank((sum(delay(close, 5), 20) / 20)) * correlation(close, volume, 2)) * rank(correlation(sum(close, 5), sum(close, 20), 2))))
    c = r.col("close")
    left = r.rank(r.sum(r.delay(c, 5), 20) / 20) * r.correlation(c, r.col("volume"), 2)
    return -1 * (left * r.rank(r.correlation(r.sum(c, 5), r.sum(c, 20), 2)))


def a046(r: Reference) -> Array:
    # ((0.25 < (((delay(close, 20) - delay(close, 10)) / 10) - ((delay(close, 10) - close) / 10))) ? (-1 * 1) : (((((delay(close, 20) - delay(close, 10)) / 10) - ((delay(close, 10) - close) / 10)) < 0) ? 1 : ((-1 * 1) * (close - delay(close, 1)))))
    c = r.col("close")
    g = ((r.delay(c, 20) - r.delay(c, 10)) / 10) - ((r.delay(c, 10) - c) / 10)
    return ternary(lt(0.25, g), -1.0, ternary(lt(g, 0), 1.0, -1 * (c - r.delay(c, 1))))


def a047(r: Reference) -> Array:
    # ((((rank((1 / close)) * volume) / adv20) * ((high * rank((high - close))) / (sum(high, 5) / 5))) - rank((vwap - delay(vwap, 5))))
    c, hi, vw = r.col("close"), r.col("high"), r.col("vwap")
    left = div(r.rank(div(1.0, c)) * r.volume_vs_adv(), r.adv(20))
    right = div(hi * r.rank(hi - c), r.sum(hi, 5) / 5)
    return left * right - r.rank(vw - r.delay(vw, 5))


def a048(r: Reference) -> Array:
    # (indneutralize(((correlation(delta(close, 1), delta(delay(close, 1), 1), 250) * delta(close, 1)) / close), IndClass.subindustry) / sum(((delta(close, 1) / delay(close, 1))^2), 250))
    c = r.col("close")
    d1 = r.delta(c, 1)
    top = r.indneutralize(div(r.correlation(d1, r.delta(r.delay(c, 1), 1), 250) * d1, c), "subindustry")
    return div(top, r.sum(power(div(d1, r.delay(c, 1)), 2), 250))


def a053(r: Reference) -> Array:
    # (-1 * delta((((close - low) - (high - close)) / (close - low)), 9))
    c, lo, hi = r.col("close"), r.col("low"), r.col("high")
    return -1 * r.delta(div((c - lo) - (hi - c), c - lo), 9)


def a054(r: Reference) -> Array:
    # ((-1 * ((low - close) * (open^5))) / ((low - high) * (close^5)))
    c, lo, hi, o = r.col("close"), r.col("low"), r.col("high"), r.col("open")
    return div(-1 * ((lo - c) * power(o, 5)), (lo - hi) * power(c, 5))


def a057(r: Reference) -> Array:
    # (0 - (1 * ((close - vwap) / decay_linear(rank(ts_argmax(close, 30)), 2))))
    c = r.col("close")
    return 0 - div(c - r.col("vwap"), r.decay_linear(r.rank(r.ts_argmax(c, 30)), 2))


def a058(r: Reference) -> Array:
    # (-1 * Ts_Rank(decay_linear(correlation(IndNeutralize(vwap, IndClass.sector), volume, 3.92795), 7.89291), 5.50322))
    corr = r.correlation(r.indneutralize(r.col("vwap"), "sector"), r.col("volume"), 3.92795)
    return -1 * r.ts_rank(r.decay_linear(corr, 7.89291), 5.50322)


def a061(r: Reference) -> Array:
    # (rank((vwap - ts_min(vwap, 16.1219))) < rank(correlation(vwap, adv180, 17.9282)))
    vw = r.col("vwap")
    return lt(r.rank(vw - r.ts_min(vw, 16.1219)), r.rank(r.correlation(vw, r.adv(180), 17.9282)))


def a062(r: Reference) -> Array:
    # ((rank(correlation(vwap, sum(adv20, 22.4101), 9.91009)) < rank(((rank(open) + rank(open)) < (rank(((high + low) / 2)) + rank(high))))) * -1)
    o, hi, lo = r.col("open"), r.col("high"), r.col("low")
    left = r.rank(r.correlation(r.col("vwap"), r.sum(r.adv(20), 22.4101), 9.91009))
    opening = lt(r.rank(o) + r.rank(o), r.rank((hi + lo) / 2) + r.rank(hi))
    return lt(left, r.rank(opening)) * -1


def inter071(r: Reference, fed: None = None) -> dict[str, Array]:
    corr = r.correlation(r.ts_rank(r.col("close"), 3.43976), r.ts_rank(r.adv(180), 12.0647), 18.0175)
    return {"corr": corr}


def tail071(r: Reference, inter: dict[str, Array]) -> Array:
    left = r.ts_rank(r.decay_linear(inter["corr"], 4.20501), 15.6948)
    vw = r.col("vwap")
    sq = power(r.rank((r.col("low") + r.col("open")) - (vw + vw)), 2)
    return np.fmax(left, r.ts_rank(r.decay_linear(sq, 16.4662), 4.4388))


def a071(r: Reference) -> Array:
    # max(Ts_Rank(decay_linear(correlation(Ts_Rank(close, 3.43976), Ts_Rank(adv180, 12.0647), 18.0175), 4.20501), 15.6948), Ts_Rank(decay_linear((rank(((low + open) - (vwap + vwap)))^2), 16.4662), 4.4388))
    return tail071(r, inter071(r))


def a077(r: Reference) -> Array:
    # min(rank(decay_linear(((((high + low) / 2) + high) - (vwap + high)), 20.0451)), rank(decay_linear(correlation(((high + low) / 2), adv40, 3.1614), 5.64125)))
    hi, lo = r.col("high"), r.col("low")
    mid = (hi + lo) / 2
    left = r.rank(r.decay_linear((mid + hi) - (r.col("vwap") + hi), 20.0451))
    return np.fmin(left, r.rank(r.decay_linear(r.correlation(mid, r.adv(40), 3.1614), 5.64125)))


def a081(r: Reference) -> Array:
    # ((rank(Log(product(rank((rank(correlation(vwap, sum(adv10, 49.6054), 8.47743))^4)), 14.9655))) < rank(correlation(rank(vwap), rank(volume), 5.07914))) * -1)
    vw = r.col("vwap")
    corr = r.correlation(vw, r.sum(r.adv(10), 49.6054), 8.47743)
    left = r.rank(log(r.product(r.rank(power(r.rank(corr), 4)), 14.9655)))
    right = r.rank(r.correlation(r.rank(vw), r.rank(r.col("volume")), 5.07914))
    return lt(left, right) * -1


def a084(r: Reference) -> Array:
    # SignedPower(Ts_Rank((vwap - ts_max(vwap, 15.3217)), 20.7127), delta(close, 4.96796))
    vw = r.col("vwap")
    return signedpower(r.ts_rank(vw - r.ts_max(vw, 15.3217), 20.7127), r.delta(r.col("close"), 4.96796))


def a092(r: Reference) -> Array:
    # min(Ts_Rank(decay_linear(((((high + low) / 2) + close) < (low + open)), 14.7221), 18.8683), Ts_Rank(decay_linear(correlation(rank(low), rank(adv30), 7.58555), 6.94024), 6.80584))
    hi, lo, c, o = r.col("high"), r.col("low"), r.col("close"), r.col("open")
    left = r.ts_rank(r.decay_linear(lt(((hi + lo) / 2) + c, lo + o), 14.7221), 18.8683)
    corr = r.correlation(r.rank(lo), r.rank(r.adv(30)), 7.58555)
    return np.fmin(left, r.ts_rank(r.decay_linear(corr, 6.94024), 6.80584))


def inter096(r: Reference, fed: None = None) -> dict[str, Array]:
    return {
        "corr_ranks": r.correlation(r.rank(r.col("vwap")), r.rank(r.col("volume")), 3.83878),
        "corr_ts_ranks": r.correlation(
            r.ts_rank(r.col("close"), 7.45404), r.ts_rank(r.adv(60), 4.13242), 3.65459
        ),
    }


def tail096(r: Reference, inter: dict[str, Array]) -> Array:
    left = r.ts_rank(r.decay_linear(inter["corr_ranks"], 4.16783), 8.38151)
    right = r.ts_rank(r.decay_linear(r.ts_argmax(inter["corr_ts_ranks"], 12.6556), 14.0365), 13.4143)
    return np.fmax(left, right) * -1


def a096(r: Reference) -> Array:
    # (max(Ts_Rank(decay_linear(correlation(rank(vwap), rank(volume), 3.83878), 4.16783), 8.38151), Ts_Rank(decay_linear(Ts_ArgMax(correlation(Ts_Rank(close, 7.45404), Ts_Rank(adv60, 4.13242), 3.65459), 12.6556), 14.0365), 13.4143)) * -1)
    return tail096(r, inter096(r))


def inter098(r: Reference, fed: None = None) -> dict[str, Array]:
    return {"corr": r.correlation(r.rank(r.col("open")), r.rank(r.adv(15)), 20.8187)}


def decays098(r: Reference, inter: dict[str, Array]) -> dict[str, Array]:
    # The decayed series are sums of values on a grid (ts_rank outputs), which
    # tie across listings mathematically: a second split before the final ranks.
    return {
        "left": r.decay_linear(r.correlation(r.col("vwap"), r.sum(r.adv(5), 26.4719), 4.58418), 7.18088),
        "right": r.decay_linear(r.ts_rank(r.ts_argmin(inter["corr"], 8.62571), 6.95668), 8.07206),
    }


def tail098(r: Reference, inter: dict[str, Array]) -> Array:
    return r.rank(inter["left"]) - r.rank(inter["right"])


def a098(r: Reference) -> Array:
    # (rank(decay_linear(correlation(vwap, sum(adv5, 26.4719), 4.58418), 7.18088)) - rank(decay_linear(Ts_Rank(Ts_ArgMin(correlation(rank(open), rank(adv15), 20.8187), 8.62571), 6.95668), 8.07206)))
    return tail098(r, decays098(r, inter098(r)))


def a100(r: Reference) -> Array:
    # (0 - (1 * (((1.5 * scale(indneutralize(indneutralize(rank(((((close - low) - (high - close)) / (high - low)) * volume)), IndClass.subindustry), IndClass.subindustry))) - scale(indneutralize((correlation(close, rank(adv20), 5) - rank(ts_argmin(close, 30))), IndClass.subindustry))) * (volume / adv20))))
    c, lo, hi = r.col("close"), r.col("low"), r.col("high")
    pressure = div((c - lo) - (hi - c), hi - lo) * r.col("volume")
    neutral = r.indneutralize(r.indneutralize(r.rank(pressure), "subindustry"), "subindustry")
    trend = r.correlation(c, r.rank(r.adv(20)), 5) - r.rank(r.ts_argmin(c, 30))
    spread = 1.5 * r.scale(neutral) - r.scale(r.indneutralize(trend, "subindustry"))
    return 0 - spread * div(r.volume_vs_adv(), r.adv(20))


def a101(r: Reference) -> Array:
    # ((close - open) / ((high - low) + .001))
    return div(r.col("close") - r.col("open"), (r.col("high") - r.col("low")) + 0.001)


REFERENCE: dict[int, Callable[[Reference], Array]] = {
    int(name[1:]): fn for name, fn in dict(globals()).items() if name.startswith("a") and name[1:].isdigit()
}
"""Alpha number -> reference implementation."""

SPLIT: dict[int, list[Callable[..., Any]]] = {
    13: [inter013, tail013],
    98: [inter098, decays098, tail098],
}
"""Alphas that rank or arg-min covariances/correlations of ranks that are equal (often 0) in
exact arithmetic. The package computes those exactly on the integer rank grid; this reference
computes them in floats (centred numpy), whose last-bit noise around an exact 0 no relative
tolerance can absorb. They are checked stage by stage: each stage of the reference, fed with
Polars' previous stage, against Polars' own; the last stage against the alpha. (#71 and #96,
split before the tie rule, now match end to end.)"""
