# ruff: noqa: E501 - each docstring quotes the paper's formula verbatim, on one line.
"""Alpha#51 to Alpha#75 of Kakushadze, "101 Formulaic Alphas", Wilmott 2016 (arXiv:1601.00991).

Same layout as :mod:`basalt_alpha101.alphas_001_025`. From Alpha#58 on, the paper's
windows are fractional; the operators floor them (``9.91009 -> 9``), as the
appendix says. Weights such as ``(vwap * 0.728317) + (vwap * (1 - 0.728317))``
that reduce to one input are kept as written.
"""

from __future__ import annotations

import polars as pl

from basalt_alpha101.alphas_026_050 import _acceleration
from basalt_alpha101.plan import Plan


def alpha051(p: Plan) -> pl.Expr:
    """Alpha#51.

    Formula::

        (((((delay(close, 20) - delay(close, 10)) / 10) - ((delay(close, 10) - close) / 10)) < (-1 * 0.05)) ? 1 : ((-1 * 1) * (close - delay(close, 1))))
    """
    return p.iif(_acceleration(p) < (-1 * 0.05), 1, (-1 * 1) * (p.close - p.delay(p.close, 1)))


def alpha052(p: Plan) -> pl.Expr:
    """Alpha#52.

    Formula::

        ((((-1 * ts_min(low, 5)) + delay(ts_min(low, 5), 5)) * rank(((sum(returns, 240) - sum(returns, 20)) / 220))) * ts_rank(volume, 5))
    """
    low5 = p.ts_min(p.low, 5)
    momentum = p.rank((p.sum(p.returns, 240) - p.sum(p.returns, 20)) / 220)
    return (((-1 * low5) + p.delay(low5, 5)) * momentum) * p.ts_rank(p.volume, 5)


def alpha053(p: Plan) -> pl.Expr:
    """Alpha#53.

    Formula::

        (-1 * delta((((close - low) - (high - close)) / (close - low)), 9))
    """
    return -1 * p.delta(p.div((p.close - p.low) - (p.high - p.close), p.close - p.low), 9)


def alpha054(p: Plan) -> pl.Expr:
    """Alpha#54.

    Formula::

        ((-1 * ((low - close) * (open^5))) / ((low - high) * (close^5)))
    """
    return p.div(-1 * ((p.low - p.close) * p.power(p.open, 5)), (p.low - p.high) * p.power(p.close, 5))


def alpha055(p: Plan) -> pl.Expr:
    """Alpha#55.

    Formula::

        (-1 * correlation(rank(((close - ts_min(low, 12)) / (ts_max(high, 12) - ts_min(low, 12)))), rank(volume), 6))
    """
    low12 = p.ts_min(p.low, 12)
    stochastic = p.div(p.close - low12, p.ts_max(p.high, 12) - low12)
    return -1 * p.correlation(p.rank(stochastic), p.rank(p.volume), 6)


def alpha056(p: Plan) -> pl.Expr:
    """Alpha#56.

    Formula::

        (0 - (1 * (rank((sum(returns, 10) / sum(sum(returns, 2), 3))) * rank((returns * cap)))))
    """
    ratio = p.div(p.sum(p.returns, 10), p.sum(p.sum(p.returns, 2), 3))
    return 0 - (1 * (p.rank(ratio) * p.rank(p.returns * p.cap)))


def alpha057(p: Plan) -> pl.Expr:
    """Alpha#57.

    Formula::

        (0 - (1 * ((close - vwap) / decay_linear(rank(ts_argmax(close, 30)), 2))))
    """
    return 0 - (1 * p.div(p.close - p.vwap, p.decay_linear(p.rank(p.ts_argmax(p.close, 30)), 2)))


def alpha058(p: Plan) -> pl.Expr:
    """Alpha#58.

    Formula::

        (-1 * Ts_Rank(decay_linear(correlation(IndNeutralize(vwap, IndClass.sector), volume, 3.92795), 7.89291), 5.50322))
    """
    corr = p.correlation(p.indneutralize(p.vwap, "sector"), p.volume, 3.92795)
    return -1 * p.ts_rank(p.decay_linear(corr, 7.89291), 5.50322)


def alpha059(p: Plan) -> pl.Expr:
    """Alpha#59.

    Formula::

        (-1 * Ts_Rank(decay_linear(correlation(IndNeutralize(((vwap * 0.728317) + (vwap * (1 - 0.728317))), IndClass.industry), volume, 4.25197), 16.2289), 8.19648))

    Resolution: the weighted price is just ``vwap`` (both weights apply to it);
    kept as written.
    """
    price = (p.vwap * 0.728317) + (p.vwap * (1 - 0.728317))
    corr = p.correlation(p.indneutralize(price, "industry"), p.volume, 4.25197)
    return -1 * p.ts_rank(p.decay_linear(corr, 16.2289), 8.19648)


def alpha060(p: Plan) -> pl.Expr:
    """Alpha#60.

    Formula::

        (0 - (1 * ((2 * scale(rank(((((close - low) - (high - close)) / (high - low)) * volume)))) - scale(rank(ts_argmax(close, 10))))))
    """
    pressure = p.div((p.close - p.low) - (p.high - p.close), p.high - p.low) * p.volume
    return 0 - (1 * ((2 * p.scale(p.rank(pressure))) - p.scale(p.rank(p.ts_argmax(p.close, 10)))))


def alpha061(p: Plan) -> pl.Expr:
    """Alpha#61.

    Formula::

        (rank((vwap - ts_min(vwap, 16.1219))) < rank(correlation(vwap, adv180, 17.9282)))

    The comparison is the alpha: 1.0 where true, 0.0 where false.
    """
    return p.num(
        p.rank(p.vwap - p.ts_min(p.vwap, 16.1219)) < p.rank(p.correlation(p.vwap, p.adv(180), 17.9282))
    )


def alpha062(p: Plan) -> pl.Expr:
    """Alpha#62.

    Formula::

        ((rank(correlation(vwap, sum(adv20, 22.4101), 9.91009)) < rank(((rank(open) + rank(open)) < (rank(((high + low) / 2)) + rank(high))))) * -1)
    """
    left = p.rank(p.correlation(p.vwap, p.sum(p.adv(20), 22.4101), 9.91009))
    opening = p.num((p.rank(p.open) + p.rank(p.open)) < (p.rank((p.high + p.low) / 2) + p.rank(p.high)))
    return p.num(left < p.rank(opening)) * -1


def alpha063(p: Plan) -> pl.Expr:
    """Alpha#63.

    Formula::

        ((rank(decay_linear(delta(IndNeutralize(close, IndClass.industry), 2.25164), 8.22237)) - rank(decay_linear(correlation(((vwap * 0.318108) + (open * (1 - 0.318108))), sum(adv180, 37.2467), 13.557), 12.2883))) * -1)
    """
    left = p.rank(p.decay_linear(p.delta(p.indneutralize(p.close, "industry"), 2.25164), 8.22237))
    price = (p.vwap * 0.318108) + (p.open * (1 - 0.318108))
    right = p.rank(p.decay_linear(p.correlation(price, p.sum(p.adv(180), 37.2467), 13.557), 12.2883))
    return (left - right) * -1


def alpha064(p: Plan) -> pl.Expr:
    """Alpha#64.

    Formula::

        ((rank(correlation(sum(((open * 0.178404) + (low * (1 - 0.178404))), 12.7054), sum(adv120, 12.7054), 16.6208)) < rank(delta(((((high + low) / 2) * 0.178404) + (vwap * (1 - 0.178404))), 3.69741))) * -1)
    """
    price = (p.open * 0.178404) + (p.low * (1 - 0.178404))
    left = p.rank(p.correlation(p.sum(price, 12.7054), p.sum(p.adv(120), 12.7054), 16.6208))
    mid = (((p.high + p.low) / 2) * 0.178404) + (p.vwap * (1 - 0.178404))
    return p.num(left < p.rank(p.delta(mid, 3.69741))) * -1


def alpha065(p: Plan) -> pl.Expr:
    """Alpha#65.

    Formula::

        ((rank(correlation(((open * 0.00817205) + (vwap * (1 - 0.00817205))), sum(adv60, 8.6911), 6.40374)) < rank((open - ts_min(open, 13.635)))) * -1)
    """
    price = (p.open * 0.00817205) + (p.vwap * (1 - 0.00817205))
    left = p.rank(p.correlation(price, p.sum(p.adv(60), 8.6911), 6.40374))
    return p.num(left < p.rank(p.open - p.ts_min(p.open, 13.635))) * -1


def alpha066(p: Plan) -> pl.Expr:
    """Alpha#66.

    Formula::

        ((rank(decay_linear(delta(vwap, 3.51013), 7.23052)) + Ts_Rank(decay_linear(((((low * 0.96633) + (low * (1 - 0.96633))) - vwap) / (open - ((high + low) / 2))), 11.4157), 6.72611)) * -1)

    Resolution: ``(low * 0.96633) + (low * (1 - 0.96633))`` is just ``low``; kept as written.
    """
    left = p.rank(p.decay_linear(p.delta(p.vwap, 3.51013), 7.23052))
    price = (p.low * 0.96633) + (p.low * (1 - 0.96633))
    skew = p.div(price - p.vwap, p.open - ((p.high + p.low) / 2))
    return (left + p.ts_rank(p.decay_linear(skew, 11.4157), 6.72611)) * -1


def alpha067(p: Plan) -> pl.Expr:
    """Alpha#67.

    Formula::

        ((rank((high - ts_min(high, 2.14593)))^rank(correlation(IndNeutralize(vwap, IndClass.sector), IndNeutralize(adv20, IndClass.subindustry), 6.02936))) * -1)
    """
    base = p.rank(p.high - p.ts_min(p.high, 2.14593))
    corr = p.correlation(
        p.indneutralize(p.vwap, "sector"), p.indneutralize(p.adv(20), "subindustry"), 6.02936
    )
    return p.power(base, p.rank(corr)) * -1


def alpha068(p: Plan) -> pl.Expr:
    """Alpha#68.

    Formula::

        ((Ts_Rank(correlation(rank(high), rank(adv15), 8.91644), 13.9333) < rank(delta(((close * 0.518371) + (low * (1 - 0.518371))), 1.06157))) * -1)
    """
    left = p.ts_rank(p.correlation(p.rank(p.high), p.rank(p.adv(15)), 8.91644), 13.9333)
    price = (p.close * 0.518371) + (p.low * (1 - 0.518371))
    return p.num(left < p.rank(p.delta(price, 1.06157))) * -1


def alpha069(p: Plan) -> pl.Expr:
    """Alpha#69.

    Formula::

        ((rank(ts_max(delta(IndNeutralize(vwap, IndClass.industry), 2.72412), 4.79344))^Ts_Rank(correlation(((close * 0.490655) + (vwap * (1 - 0.490655))), adv20, 4.92416), 9.0615)) * -1)
    """
    base = p.rank(p.ts_max(p.delta(p.indneutralize(p.vwap, "industry"), 2.72412), 4.79344))
    price = (p.close * 0.490655) + (p.vwap * (1 - 0.490655))
    return p.power(base, p.ts_rank(p.correlation(price, p.adv(20), 4.92416), 9.0615)) * -1


def alpha070(p: Plan) -> pl.Expr:
    """Alpha#70.

    Formula::

        ((rank(delta(vwap, 1.29456))^Ts_Rank(correlation(IndNeutralize(close, IndClass.industry), adv50, 17.8256), 17.9171)) * -1)
    """
    base = p.rank(p.delta(p.vwap, 1.29456))
    corr = p.correlation(p.indneutralize(p.close, "industry"), p.adv(50), 17.8256)
    return p.power(base, p.ts_rank(corr, 17.9171)) * -1


def alpha071(p: Plan) -> pl.Expr:
    """Alpha#71.

    Formula::

        max(Ts_Rank(decay_linear(correlation(Ts_Rank(close, 3.43976), Ts_Rank(adv180, 12.0647), 18.0175), 4.20501), 15.6948), Ts_Rank(decay_linear((rank(((low + open) - (vwap + vwap)))^2), 16.4662), 4.4388))
    """
    corr = p.correlation(p.ts_rank(p.close, 3.43976), p.ts_rank(p.adv(180), 12.0647), 18.0175)
    left = p.ts_rank(p.decay_linear(corr, 4.20501), 15.6948)
    squared = p.power(p.rank((p.low + p.open) - (p.vwap + p.vwap)), 2)
    return p.max(left, p.ts_rank(p.decay_linear(squared, 16.4662), 4.4388))


def alpha072(p: Plan) -> pl.Expr:
    """Alpha#72.

    Formula::

        (rank(decay_linear(correlation(((high + low) / 2), adv40, 8.93345), 10.1519)) / rank(decay_linear(correlation(Ts_Rank(vwap, 3.72469), Ts_Rank(volume, 18.5188), 6.86671), 2.95011)))
    """
    top = p.rank(p.decay_linear(p.correlation((p.high + p.low) / 2, p.adv(40), 8.93345), 10.1519))
    corr = p.correlation(p.ts_rank(p.vwap, 3.72469), p.ts_rank(p.volume, 18.5188), 6.86671)
    return p.div(top, p.rank(p.decay_linear(corr, 2.95011)))


def alpha073(p: Plan) -> pl.Expr:
    """Alpha#73.

    Formula::

        (max(rank(decay_linear(delta(vwap, 4.72775), 2.91864)), Ts_Rank(decay_linear(((delta(((open * 0.147155) + (low * (1 - 0.147155))), 2.03608) / ((open * 0.147155) + (low * (1 - 0.147155)))) * -1), 3.33829), 16.7411)) * -1)
    """
    left = p.rank(p.decay_linear(p.delta(p.vwap, 4.72775), 2.91864))
    price = (p.open * 0.147155) + (p.low * (1 - 0.147155))
    change = p.div(p.delta(price, 2.03608), price) * -1
    return p.max(left, p.ts_rank(p.decay_linear(change, 3.33829), 16.7411)) * -1


def alpha074(p: Plan) -> pl.Expr:
    """Alpha#74.

    Formula::

        ((rank(correlation(close, sum(adv30, 37.4843), 15.1365)) < rank(correlation(rank(((high * 0.0261661) + (vwap * (1 - 0.0261661)))), rank(volume), 11.4791))) * -1)
    """
    left = p.rank(p.correlation(p.close, p.sum(p.adv(30), 37.4843), 15.1365))
    price = (p.high * 0.0261661) + (p.vwap * (1 - 0.0261661))
    right = p.rank(p.correlation(p.rank(price), p.rank(p.volume), 11.4791))
    return p.num(left < right) * -1


def alpha075(p: Plan) -> pl.Expr:
    """Alpha#75.

    Formula::

        (rank(correlation(vwap, volume, 4.24304)) < rank(correlation(rank(low), rank(adv50), 12.4413)))

    The comparison is the alpha: 1.0 where true, 0.0 where false.
    """
    left = p.rank(p.correlation(p.vwap, p.volume, 4.24304))
    return p.num(left < p.rank(p.correlation(p.rank(p.low), p.rank(p.adv(50)), 12.4413)))
