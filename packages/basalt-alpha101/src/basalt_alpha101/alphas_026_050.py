# ruff: noqa: E501 - each docstring quotes the paper's formula verbatim, on one line.
"""Alpha#26 to Alpha#50 of Kakushadze, "101 Formulaic Alphas", Wilmott 2016 (arXiv:1601.00991).

Same layout as :mod:`basalt_alpha101.alphas_001_025`.
"""

from __future__ import annotations

import polars as pl

from basalt_alpha101.plan import Plan


def alpha026(p: Plan) -> pl.Expr:
    """Alpha#26.

    Formula::

        (-1 * ts_max(correlation(ts_rank(volume, 5), ts_rank(high, 5), 5), 3))
    """
    return -1 * p.ts_max(p.correlation(p.ts_rank(p.volume, 5), p.ts_rank(p.high, 5), 5), 3)


def alpha027(p: Plan) -> pl.Expr:
    """Alpha#27.

    Formula::

        ((0.5 < rank((sum(correlation(rank(volume), rank(vwap), 6), 2) / 2.0))) ? (-1 * 1) : 1)
    """
    mean_corr = p.sum(p.correlation(p.rank(p.volume), p.rank(p.vwap), 6), 2) / 2.0
    return p.iif(0.5 < p.rank(mean_corr), -1 * 1, 1)


def alpha028(p: Plan) -> pl.Expr:
    """Alpha#28.

    Formula::

        scale(((correlation(adv20, low, 5) + ((high + low) / 2)) - close))
    """
    return p.scale((p.correlation(p.adv(20), p.low, 5) + ((p.high + p.low) / 2)) - p.close)


def alpha029(p: Plan) -> pl.Expr:
    """Alpha#29.

    Formula::

        (min(product(rank(rank(scale(log(sum(ts_min(rank(rank((-1 * rank(delta((close - 1), 5))))), 2), 1))))), 1), 5) + ts_rank(delay((-1 * returns), 6), 5))

    Resolution: the outer ``min(…, 5)`` has a number as second argument, so it is
    ``ts_min(…, 5)`` by the appendix's definition ``min(x, d) = ts_min(x, d)``.
    ``delta((close - 1), 5)`` equals ``delta(close, 5)``; ``sum(…, 1)`` and
    ``product(…, 1)`` are identities; all kept as written. ``log`` of the
    ``ts_min`` of a rank is null where that minimum is 0.
    """
    inner = p.rank(p.rank(-1 * p.rank(p.delta(p.close - 1, 5))))
    core = p.rank(p.rank(p.scale(p.log(p.sum(p.ts_min(inner, 2), 1)))))
    return p.min(p.product(core, 1), 5) + p.ts_rank(p.delay(-1 * p.returns, 6), 5)


def alpha030(p: Plan) -> pl.Expr:
    """Alpha#30.

    Formula::

        (((1.0 - rank(((sign((close - delay(close, 1))) + sign((delay(close, 1) - delay(close, 2)))) + sign((delay(close, 2) - delay(close, 3)))))) * sum(volume, 5)) / sum(volume, 20))
    """
    c1, c2, c3 = p.delay(p.close, 1), p.delay(p.close, 2), p.delay(p.close, 3)
    streak = (p.sign(p.close - c1) + p.sign(c1 - c2)) + p.sign(c2 - c3)
    return p.div((1.0 - p.rank(streak)) * p.sum(p.volume, 5), p.sum(p.volume, 20))


def alpha031(p: Plan) -> pl.Expr:
    """Alpha#31.

    Formula::

        ((rank(rank(rank(decay_linear((-1 * rank(rank(delta(close, 10)))), 10)))) + rank((-1 * delta(close, 3)))) + sign(scale(correlation(adv20, low, 12))))
    """
    decayed = p.decay_linear(-1 * p.rank(p.rank(p.delta(p.close, 10))), 10)
    return (p.rank(p.rank(p.rank(decayed))) + p.rank(-1 * p.delta(p.close, 3))) + p.sign(
        p.scale(p.correlation(p.adv(20), p.low, 12))
    )


def alpha032(p: Plan) -> pl.Expr:
    """Alpha#32.

    Formula::

        (scale(((sum(close, 7) / 7) - close)) + (20 * scale(correlation(vwap, delay(close, 5), 230))))
    """
    return p.scale((p.sum(p.close, 7) / 7) - p.close) + (
        20 * p.scale(p.correlation(p.vwap, p.delay(p.close, 5), 230))
    )


def alpha033(p: Plan) -> pl.Expr:
    """Alpha#33.

    Formula::

        rank((-1 * ((1 - (open / close))^1)))
    """
    return p.rank(-1 * p.power(1 - p.div(p.open, p.close), 1))


def alpha034(p: Plan) -> pl.Expr:
    """Alpha#34.

    Formula::

        rank(((1 - rank((stddev(returns, 2) / stddev(returns, 5)))) + (1 - rank(delta(close, 1)))))
    """
    vol_ratio = p.div(p.stddev(p.returns, 2), p.stddev(p.returns, 5))
    return p.rank((1 - p.rank(vol_ratio)) + (1 - p.rank(p.delta(p.close, 1))))


def alpha035(p: Plan) -> pl.Expr:
    """Alpha#35.

    Formula::

        ((Ts_Rank(volume, 32) * (1 - Ts_Rank(((close + high) - low), 16))) * (1 - Ts_Rank(returns, 32)))
    """
    return (p.ts_rank(p.volume, 32) * (1 - p.ts_rank((p.close + p.high) - p.low, 16))) * (
        1 - p.ts_rank(p.returns, 32)
    )


def alpha036(p: Plan) -> pl.Expr:
    """Alpha#36.

    Formula::

        (((((2.21 * rank(correlation((close - open), delay(volume, 1), 15))) + (0.7 * rank((open - close)))) + (0.73 * rank(Ts_Rank(delay((-1 * returns), 6), 5)))) + rank(abs(correlation(vwap, adv20, 6)))) + (0.6 * rank((((sum(close, 200) / 200) - open) * (close - open)))))
    """
    a = 2.21 * p.rank(p.correlation(p.close - p.open, p.delay(p.volume, 1), 15))
    b = 0.7 * p.rank(p.open - p.close)
    c = 0.73 * p.rank(p.ts_rank(p.delay(-1 * p.returns, 6), 5))
    d = p.rank(p.abs(p.correlation(p.vwap, p.adv(20), 6)))
    e = 0.6 * p.rank(((p.sum(p.close, 200) / 200) - p.open) * (p.close - p.open))
    return (((a + b) + c) + d) + e


def alpha037(p: Plan) -> pl.Expr:
    """Alpha#37.

    Formula::

        (rank(correlation(delay((open - close), 1), close, 200)) + rank((open - close)))
    """
    return p.rank(p.correlation(p.delay(p.open - p.close, 1), p.close, 200)) + p.rank(p.open - p.close)


def alpha038(p: Plan) -> pl.Expr:
    """Alpha#38.

    Formula::

        ((-1 * rank(Ts_Rank(close, 10))) * rank((close / open)))
    """
    return (-1 * p.rank(p.ts_rank(p.close, 10))) * p.rank(p.div(p.close, p.open))


def alpha039(p: Plan) -> pl.Expr:
    """Alpha#39.

    Formula::

        ((-1 * rank((delta(close, 7) * (1 - rank(decay_linear((volume / adv20), 9)))))) * (1 + rank(sum(returns, 250))))

    Resolution (``adv_basis``): ``adv20`` is a notional (dollar) average while
    ``volume`` is in shares. By default (``"consistent"``) today's notional
    ``amount`` stands for ``volume``, comparing like with like; ``"paper"`` reads
    share ``volume`` literally; ``"shares"`` makes ``adv20`` a mean of share volume.
    """
    relative_volume = p.div(p.volume_vs_adv, p.adv(20))
    damped = p.delta(p.close, 7) * (1 - p.rank(p.decay_linear(relative_volume, 9)))
    return (-1 * p.rank(damped)) * (1 + p.rank(p.sum(p.returns, 250)))


def alpha040(p: Plan) -> pl.Expr:
    """Alpha#40.

    Formula::

        ((-1 * rank(stddev(high, 10))) * correlation(high, volume, 10))
    """
    return (-1 * p.rank(p.stddev(p.high, 10))) * p.correlation(p.high, p.volume, 10)


def alpha041(p: Plan) -> pl.Expr:
    """Alpha#41.

    Formula::

        (((high * low)^0.5) - vwap)
    """
    return p.power(p.high * p.low, 0.5) - p.vwap


def alpha042(p: Plan) -> pl.Expr:
    """Alpha#42.

    Formula::

        (rank((vwap - close)) / rank((vwap + close)))

    The denominator's rank is 0 for the listing with the lowest ``vwap + close``;
    that row is null (division by zero).
    """
    return p.div(p.rank(p.vwap - p.close), p.rank(p.vwap + p.close))


def alpha043(p: Plan) -> pl.Expr:
    """Alpha#43.

    Formula::

        (ts_rank((volume / adv20), 20) * ts_rank((-1 * delta(close, 7)), 8))

    Resolution (``adv_basis``): ``adv20`` is a notional (dollar) average while
    ``volume`` is in shares. By default (``"consistent"``) today's notional
    ``amount`` stands for ``volume``, comparing like with like; ``"paper"`` reads
    share ``volume`` literally; ``"shares"`` makes ``adv20`` a mean of share volume.
    """
    relative_volume = p.div(p.volume_vs_adv, p.adv(20))
    return p.ts_rank(relative_volume, 20) * p.ts_rank(-1 * p.delta(p.close, 7), 8)


def alpha044(p: Plan) -> pl.Expr:
    """Alpha#44.

    Formula::

        (-1 * correlation(high, rank(volume), 5))
    """
    return -1 * p.correlation(p.high, p.rank(p.volume), 5)


def alpha045(p: Plan) -> pl.Expr:
    """Alpha#45.

    Formula::

        (-1 * ((rank((sum(delay(close, 5), 20) / 20)) * correlation(close, volume, 2)) * rank(correlation(sum(close, 5), sum(close, 20), 2))))

    Two-day correlations are exactly ±1 (or null when either series is flat).
    """
    level = p.rank(p.sum(p.delay(p.close, 5), 20) / 20)
    return -1 * (
        (level * p.correlation(p.close, p.volume, 2))
        * p.rank(p.correlation(p.sum(p.close, 5), p.sum(p.close, 20), 2))
    )


def _acceleration(p: Plan) -> pl.Expr:
    # The slope change shared by Alpha#46, #49 and #51.
    c10, c20 = p.delay(p.close, 10), p.delay(p.close, 20)
    return ((c20 - c10) / 10) - ((c10 - p.close) / 10)


def alpha046(p: Plan) -> pl.Expr:
    """Alpha#46.

    Formula::

        ((0.25 < (((delay(close, 20) - delay(close, 10)) / 10) - ((delay(close, 10) - close) / 10))) ? (-1 * 1) : (((((delay(close, 20) - delay(close, 10)) / 10) - ((delay(close, 10) - close) / 10)) < 0) ? 1 : ((-1 * 1) * (close - delay(close, 1)))))
    """
    g = _acceleration(p)
    return p.iif(0.25 < g, -1 * 1, p.iif(g < 0, 1, (-1 * 1) * (p.close - p.delay(p.close, 1))))


def alpha047(p: Plan) -> pl.Expr:
    """Alpha#47.

    Formula::

        ((((rank((1 / close)) * volume) / adv20) * ((high * rank((high - close))) / (sum(high, 5) / 5))) - rank((vwap - delay(vwap, 5))))

    Resolution (``adv_basis``): ``adv20`` is a notional (dollar) average while
    ``volume`` is in shares. By default (``"consistent"``) today's notional
    ``amount`` stands for ``volume``, comparing like with like; ``"paper"`` reads
    share ``volume`` literally; ``"shares"`` makes ``adv20`` a mean of share volume.
    """
    left = p.div(p.rank(p.div(1, p.close)) * p.volume_vs_adv, p.adv(20))
    right = p.div(p.high * p.rank(p.high - p.close), p.sum(p.high, 5) / 5)
    return (left * right) - p.rank(p.vwap - p.delay(p.vwap, 5))


def alpha048(p: Plan) -> pl.Expr:
    """Alpha#48.

    Formula::

        (indneutralize(((correlation(delta(close, 1), delta(delay(close, 1), 1), 250) * delta(close, 1)) / close), IndClass.subindustry) / sum(((delta(close, 1) / delay(close, 1))^2), 250))
    """
    d1 = p.delta(p.close, 1)
    persistence = p.correlation(d1, p.delta(p.delay(p.close, 1), 1), 250)
    numerator = p.indneutralize(p.div(persistence * d1, p.close), "subindustry")
    return p.div(numerator, p.sum(p.power(p.div(d1, p.delay(p.close, 1)), 2), 250))


def alpha049(p: Plan) -> pl.Expr:
    """Alpha#49.

    Formula::

        (((((delay(close, 20) - delay(close, 10)) / 10) - ((delay(close, 10) - close) / 10)) < (-1 * 0.1)) ? 1 : ((-1 * 1) * (close - delay(close, 1))))
    """
    return p.iif(_acceleration(p) < (-1 * 0.1), 1, (-1 * 1) * (p.close - p.delay(p.close, 1)))


def alpha050(p: Plan) -> pl.Expr:
    """Alpha#50.

    Formula::

        (-1 * ts_max(rank(correlation(rank(volume), rank(vwap), 5)), 5))
    """
    return -1 * p.ts_max(p.rank(p.correlation(p.rank(p.volume), p.rank(p.vwap), 5)), 5)
