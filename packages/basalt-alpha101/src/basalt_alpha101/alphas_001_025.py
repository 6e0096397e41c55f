# ruff: noqa: E501 - each docstring quotes the paper's formula verbatim, on one line.
"""Alpha#1 to Alpha#25 of Kakushadze, "101 Formulaic Alphas", Wilmott 2016 (arXiv:1601.00991).

Each function builds its alpha on a :class:`~basalt_alpha101.plan.Plan` and
returns the final expression. The docstring quotes the appendix formula verbatim
after ``Formula::``; "Resolution" notes say how a typo or ambiguity was settled.
"""

from __future__ import annotations

import polars as pl

from basalt_alpha101.plan import Plan


def alpha001(p: Plan) -> pl.Expr:
    """Alpha#1.

    Formula::

        (rank(Ts_ArgMax(SignedPower(((returns < 0) ? stddev(returns, 20) : close), 2.), 5)) - 0.5)
    """
    x = p.iif(p.returns < 0, p.stddev(p.returns, 20), p.close)
    return p.rank(p.ts_argmax(p.signedpower(x, 2.0), 5)) - 0.5


def alpha002(p: Plan) -> pl.Expr:
    """Alpha#2.

    Formula::

        (-1 * correlation(rank(delta(log(volume), 2)), rank(((close - open) / open)), 6))
    """
    return -1 * p.correlation(p.rank(p.delta(p.log(p.volume), 2)), p.rank(p.div(p.close - p.open, p.open)), 6)


def alpha003(p: Plan) -> pl.Expr:
    """Alpha#3.

    Formula::

        (-1 * correlation(rank(open), rank(volume), 10))
    """
    return -1 * p.correlation(p.rank(p.open), p.rank(p.volume), 10)


def alpha004(p: Plan) -> pl.Expr:
    """Alpha#4.

    Formula::

        (-1 * Ts_Rank(rank(low), 9))
    """
    return -1 * p.ts_rank(p.rank(p.low), 9)


def alpha005(p: Plan) -> pl.Expr:
    """Alpha#5.

    Formula::

        (rank((open - (sum(vwap, 10) / 10))) * (-1 * abs(rank((close - vwap)))))
    """
    return p.rank(p.open - p.sum(p.vwap, 10) / 10) * (-1 * p.abs(p.rank(p.close - p.vwap)))


def alpha006(p: Plan) -> pl.Expr:
    """Alpha#6.

    Formula::

        (-1 * correlation(open, volume, 10))
    """
    return -1 * p.correlation(p.open, p.volume, 10)


def alpha007(p: Plan) -> pl.Expr:
    """Alpha#7.

    Formula::

        ((adv20 < volume) ? ((-1 * ts_rank(abs(delta(close, 7)), 60)) * sign(delta(close, 7))) : (-1 * 1))

    Resolution (``adv_basis``): ``adv20`` is a notional (dollar) average while
    ``volume`` is in shares. By default (``"consistent"``) today's notional
    ``amount`` stands for ``volume``, comparing like with like; ``"paper"`` reads
    share ``volume`` literally; ``"shares"`` makes ``adv20`` a mean of share volume.
    Read literally, the test compares unlike units and is almost never true.
    """
    d7 = p.delta(p.close, 7)
    return p.iif(p.adv(20) < p.volume_vs_adv, (-1 * p.ts_rank(p.abs(d7), 60)) * p.sign(d7), -1 * 1)


def alpha008(p: Plan) -> pl.Expr:
    """Alpha#8.

    Formula::

        (-1 * rank(((sum(open, 5) * sum(returns, 5)) - delay((sum(open, 5) * sum(returns, 5)), 10))))
    """
    x = p.sum(p.open, 5) * p.sum(p.returns, 5)
    return -1 * p.rank(x - p.delay(x, 10))


def alpha009(p: Plan) -> pl.Expr:
    """Alpha#9.

    Formula::

        ((0 < ts_min(delta(close, 1), 5)) ? delta(close, 1) : ((ts_max(delta(close, 1), 5) < 0) ? delta(close, 1) : (-1 * delta(close, 1))))
    """
    d1 = p.delta(p.close, 1)
    return p.iif(0 < p.ts_min(d1, 5), d1, p.iif(p.ts_max(d1, 5) < 0, d1, -1 * d1))


def alpha010(p: Plan) -> pl.Expr:
    """Alpha#10.

    Formula::

        rank(((0 < ts_min(delta(close, 1), 4)) ? delta(close, 1) : ((ts_max(delta(close, 1), 4) < 0) ? delta(close, 1) : (-1 * delta(close, 1)))))
    """
    d1 = p.delta(p.close, 1)
    return p.rank(p.iif(0 < p.ts_min(d1, 4), d1, p.iif(p.ts_max(d1, 4) < 0, d1, -1 * d1)))


def alpha011(p: Plan) -> pl.Expr:
    """Alpha#11.

    Formula::

        ((rank(ts_max((vwap - close), 3)) + rank(ts_min((vwap - close), 3))) * rank(delta(volume, 3)))
    """
    gap = p.vwap - p.close
    return (p.rank(p.ts_max(gap, 3)) + p.rank(p.ts_min(gap, 3))) * p.rank(p.delta(p.volume, 3))


def alpha012(p: Plan) -> pl.Expr:
    """Alpha#12.

    Formula::

        (sign(delta(volume, 1)) * (-1 * delta(close, 1)))
    """
    return p.sign(p.delta(p.volume, 1)) * (-1 * p.delta(p.close, 1))


def alpha013(p: Plan) -> pl.Expr:
    """Alpha#13.

    Formula::

        (-1 * rank(covariance(rank(close), rank(volume), 5)))
    """
    return -1 * p.rank(p.covariance(p.rank(p.close), p.rank(p.volume), 5))


def alpha014(p: Plan) -> pl.Expr:
    """Alpha#14.

    Formula::

        ((-1 * rank(delta(returns, 3))) * correlation(open, volume, 10))
    """
    return (-1 * p.rank(p.delta(p.returns, 3))) * p.correlation(p.open, p.volume, 10)


def alpha015(p: Plan) -> pl.Expr:
    """Alpha#15.

    Formula::

        (-1 * sum(rank(correlation(rank(high), rank(volume), 3)), 3))
    """
    return -1 * p.sum(p.rank(p.correlation(p.rank(p.high), p.rank(p.volume), 3)), 3)


def alpha016(p: Plan) -> pl.Expr:
    """Alpha#16.

    Formula::

        (-1 * rank(covariance(rank(high), rank(volume), 5)))
    """
    return -1 * p.rank(p.covariance(p.rank(p.high), p.rank(p.volume), 5))


def alpha017(p: Plan) -> pl.Expr:
    """Alpha#17.

    Formula::

        (((-1 * rank(ts_rank(close, 10))) * rank(delta(delta(close, 1), 1))) * rank(ts_rank((volume / adv20), 5)))

    Resolution (``adv_basis``): ``adv20`` is a notional (dollar) average while
    ``volume`` is in shares. By default (``"consistent"``) today's notional
    ``amount`` stands for ``volume``, comparing like with like; ``"paper"`` reads
    share ``volume`` literally; ``"shares"`` makes ``adv20`` a mean of share volume.
    ``amount / adv20`` is relative volume, 1 on an average day.
    """
    relative_volume = p.div(p.volume_vs_adv, p.adv(20))
    return ((-1 * p.rank(p.ts_rank(p.close, 10))) * p.rank(p.delta(p.delta(p.close, 1), 1))) * p.rank(
        p.ts_rank(relative_volume, 5)
    )


def alpha018(p: Plan) -> pl.Expr:
    """Alpha#18.

    Formula::

        (-1 * rank(((stddev(abs((close - open)), 5) + (close - open)) + correlation(close, open, 10))))
    """
    body = p.close - p.open
    return -1 * p.rank((p.stddev(p.abs(body), 5) + body) + p.correlation(p.close, p.open, 10))


def alpha019(p: Plan) -> pl.Expr:
    """Alpha#19.

    Formula::

        ((-1 * sign(((close - delay(close, 7)) + delta(close, 7)))) * (1 + rank((1 + sum(returns, 250)))))

    Resolution: ``(close - delay(close, 7)) + delta(close, 7)`` is twice
    ``delta(close, 7)``; kept as written (the sign is the same).
    """
    move = (p.close - p.delay(p.close, 7)) + p.delta(p.close, 7)
    return (-1 * p.sign(move)) * (1 + p.rank(1 + p.sum(p.returns, 250)))


def alpha020(p: Plan) -> pl.Expr:
    """Alpha#20.

    Formula::

        (((-1 * rank((open - delay(high, 1)))) * rank((open - delay(close, 1)))) * rank((open - delay(low, 1))))
    """
    return ((-1 * p.rank(p.open - p.delay(p.high, 1))) * p.rank(p.open - p.delay(p.close, 1))) * p.rank(
        p.open - p.delay(p.low, 1)
    )


def alpha021(p: Plan) -> pl.Expr:
    """Alpha#21.

    Formula::

        ((((sum(close, 8) / 8) + stddev(close, 8)) < (sum(close, 2) / 2)) ? (-1 * 1) : (((sum(close, 2) / 2) < ((sum(close, 8) / 8) - stddev(close, 8))) ? 1 : (((1 < (volume / adv20)) || ((volume / adv20) == 1)) ? 1 : (-1 * 1))))

    Resolution (``adv_basis``): ``adv20`` is a notional (dollar) average while
    ``volume`` is in shares. By default (``"consistent"``) today's notional
    ``amount`` stands for ``volume``, comparing like with like; ``"paper"`` reads
    share ``volume`` literally; ``"shares"`` makes ``adv20`` a mean of share volume.
    Read literally, the last test almost always fails.
    """
    mean8, std8, mean2 = p.sum(p.close, 8) / 8, p.stddev(p.close, 8), p.sum(p.close, 2) / 2
    relative_volume = p.div(p.volume_vs_adv, p.adv(20))
    busy = p.or_(1 < relative_volume, relative_volume == 1)
    return p.iif(
        (mean8 + std8) < mean2,
        -1 * 1,
        p.iif(mean2 < (mean8 - std8), 1, p.iif(busy, 1, -1 * 1)),
    )


def alpha022(p: Plan) -> pl.Expr:
    """Alpha#22.

    Formula::

        (-1 * (delta(correlation(high, volume, 5), 5) * rank(stddev(close, 20))))
    """
    return -1 * (p.delta(p.correlation(p.high, p.volume, 5), 5) * p.rank(p.stddev(p.close, 20)))


def alpha023(p: Plan) -> pl.Expr:
    """Alpha#23.

    Formula::

        (((sum(high, 20) / 20) < high) ? (-1 * delta(high, 2)) : 0)
    """
    return p.iif((p.sum(p.high, 20) / 20) < p.high, -1 * p.delta(p.high, 2), 0)


def alpha024(p: Plan) -> pl.Expr:
    """Alpha#24.

    Formula::

        ((((delta((sum(close, 100) / 100), 100) / delay(close, 100)) < 0.05) || ((delta((sum(close, 100) / 100), 100) / delay(close, 100)) == 0.05)) ? (-1 * (close - ts_min(close, 100))) : (-1 * delta(close, 3)))
    """
    drift = p.div(p.delta(p.sum(p.close, 100) / 100, 100), p.delay(p.close, 100))
    return p.iif(
        p.or_(drift < 0.05, drift == 0.05),
        -1 * (p.close - p.ts_min(p.close, 100)),
        -1 * p.delta(p.close, 3),
    )


def alpha025(p: Plan) -> pl.Expr:
    """Alpha#25.

    Formula::

        rank(((((-1 * returns) * adv20) * vwap) * (high - close)))
    """
    return p.rank((((-1 * p.returns) * p.adv(20)) * p.vwap) * (p.high - p.close))
