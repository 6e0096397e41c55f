# ruff: noqa: E501 - each docstring quotes the paper's formula verbatim, on one line.
"""Alpha#76 to Alpha#101 of Kakushadze, "101 Formulaic Alphas", Wilmott 2016 (arXiv:1601.00991).

Same layout as :mod:`basalt_alpha101.alphas_001_025`; fractional windows are
floored and degenerate weightings kept as written (see
:mod:`basalt_alpha101.alphas_051_075`).
"""

from __future__ import annotations

import polars as pl

from basalt_alpha101.plan import Plan


def alpha076(p: Plan) -> pl.Expr:
    """Alpha#76.

    Formula::

        (max(rank(decay_linear(delta(vwap, 1.24383), 11.8259)), Ts_Rank(decay_linear(Ts_Rank(correlation(IndNeutralize(low, IndClass.sector), adv81, 8.14941), 19.569), 17.1543), 19.383)) * -1)
    """
    left = p.rank(p.decay_linear(p.delta(p.vwap, 1.24383), 11.8259))
    corr = p.correlation(p.indneutralize(p.low, "sector"), p.adv(81), 8.14941)
    right = p.ts_rank(p.decay_linear(p.ts_rank(corr, 19.569), 17.1543), 19.383)
    return p.max(left, right) * -1


def alpha077(p: Plan) -> pl.Expr:
    """Alpha#77.

    Formula::

        min(rank(decay_linear(((((high + low) / 2) + high) - (vwap + high)), 20.0451)), rank(decay_linear(correlation(((high + low) / 2), adv40, 3.1614), 5.64125)))
    """
    mid = (p.high + p.low) / 2
    left = p.rank(p.decay_linear((mid + p.high) - (p.vwap + p.high), 20.0451))
    right = p.rank(p.decay_linear(p.correlation(mid, p.adv(40), 3.1614), 5.64125))
    return p.min(left, right)


def alpha078(p: Plan) -> pl.Expr:
    """Alpha#78.

    Formula::

        (rank(correlation(sum(((low * 0.352233) + (vwap * (1 - 0.352233))), 19.7428), sum(adv40, 19.7428), 6.83313))^rank(correlation(rank(vwap), rank(volume), 5.77492)))
    """
    price = (p.low * 0.352233) + (p.vwap * (1 - 0.352233))
    base = p.rank(p.correlation(p.sum(price, 19.7428), p.sum(p.adv(40), 19.7428), 6.83313))
    return p.power(base, p.rank(p.correlation(p.rank(p.vwap), p.rank(p.volume), 5.77492)))


def alpha079(p: Plan) -> pl.Expr:
    """Alpha#79.

    Formula::

        (rank(delta(IndNeutralize(((close * 0.60733) + (open * (1 - 0.60733))), IndClass.sector), 1.23438)) < rank(correlation(Ts_Rank(vwap, 3.60973), Ts_Rank(adv150, 9.18637), 14.6644)))

    The comparison is the alpha: 1.0 where true, 0.0 where false.
    """
    price = (p.close * 0.60733) + (p.open * (1 - 0.60733))
    left = p.rank(p.delta(p.indneutralize(price, "sector"), 1.23438))
    corr = p.correlation(p.ts_rank(p.vwap, 3.60973), p.ts_rank(p.adv(150), 9.18637), 14.6644)
    return p.num(left < p.rank(corr))


def alpha080(p: Plan) -> pl.Expr:
    """Alpha#80.

    Formula::

        ((rank(Sign(delta(IndNeutralize(((open * 0.868128) + (high * (1 - 0.868128))), IndClass.industry), 4.04545)))^Ts_Rank(correlation(high, adv10, 5.11456), 5.53756)) * -1)
    """
    price = (p.open * 0.868128) + (p.high * (1 - 0.868128))
    base = p.rank(p.sign(p.delta(p.indneutralize(price, "industry"), 4.04545)))
    return p.power(base, p.ts_rank(p.correlation(p.high, p.adv(10), 5.11456), 5.53756)) * -1


def alpha081(p: Plan) -> pl.Expr:
    """Alpha#81.

    Formula::

        ((rank(Log(product(rank((rank(correlation(vwap, sum(adv10, 49.6054), 8.47743))^4)), 14.9655))) < rank(correlation(rank(vwap), rank(volume), 5.07914))) * -1)

    ``Log`` of a product of ranks is null where the product is 0 (a listing
    ranked last on one of the 14 days).
    """
    corr = p.correlation(p.vwap, p.sum(p.adv(10), 49.6054), 8.47743)
    left = p.rank(p.log(p.product(p.rank(p.power(p.rank(corr), 4)), 14.9655)))
    right = p.rank(p.correlation(p.rank(p.vwap), p.rank(p.volume), 5.07914))
    return p.num(left < right) * -1


def alpha082(p: Plan) -> pl.Expr:
    """Alpha#82.

    Formula::

        (min(rank(decay_linear(delta(open, 1.46063), 14.8717)), Ts_Rank(decay_linear(correlation(IndNeutralize(volume, IndClass.sector), ((open * 0.634196) + (open * (1 - 0.634196))), 17.4842), 6.92131), 13.4283)) * -1)

    Resolution: ``(open * 0.634196) + (open * (1 - 0.634196))`` is just ``open``; kept as written.
    """
    left = p.rank(p.decay_linear(p.delta(p.open, 1.46063), 14.8717))
    price = (p.open * 0.634196) + (p.open * (1 - 0.634196))
    corr = p.correlation(p.indneutralize(p.volume, "sector"), price, 17.4842)
    return p.min(left, p.ts_rank(p.decay_linear(corr, 6.92131), 13.4283)) * -1


def alpha083(p: Plan) -> pl.Expr:
    """Alpha#83.

    Formula::

        ((rank(delay(((high - low) / (sum(close, 5) / 5)), 2)) * rank(rank(volume))) / (((high - low) / (sum(close, 5) / 5)) / (vwap - close)))
    """
    spread = p.div(p.high - p.low, p.sum(p.close, 5) / 5)
    return p.div(p.rank(p.delay(spread, 2)) * p.rank(p.rank(p.volume)), p.div(spread, p.vwap - p.close))


def alpha084(p: Plan) -> pl.Expr:
    """Alpha#84.

    Formula::

        SignedPower(Ts_Rank((vwap - ts_max(vwap, 15.3217)), 20.7127), delta(close, 4.96796))

    The base is in [0, 1]: where it is 0 and ``delta(close, 4)`` is negative, the
    power is undefined and the row is null.
    """
    base = p.ts_rank(p.vwap - p.ts_max(p.vwap, 15.3217), 20.7127)
    return p.signedpower(base, p.delta(p.close, 4.96796))


def alpha085(p: Plan) -> pl.Expr:
    """Alpha#85.

    Formula::

        (rank(correlation(((high * 0.876703) + (close * (1 - 0.876703))), adv30, 9.61331))^rank(correlation(Ts_Rank(((high + low) / 2), 3.70596), Ts_Rank(volume, 10.1595), 7.11408)))
    """
    price = (p.high * 0.876703) + (p.close * (1 - 0.876703))
    base = p.rank(p.correlation(price, p.adv(30), 9.61331))
    corr = p.correlation(p.ts_rank((p.high + p.low) / 2, 3.70596), p.ts_rank(p.volume, 10.1595), 7.11408)
    return p.power(base, p.rank(corr))


def alpha086(p: Plan) -> pl.Expr:
    """Alpha#86.

    Formula::

        ((Ts_Rank(correlation(close, sum(adv20, 14.7444), 6.00049), 20.4195) < rank(((open + close) - (vwap + open)))) * -1)
    """
    left = p.ts_rank(p.correlation(p.close, p.sum(p.adv(20), 14.7444), 6.00049), 20.4195)
    return p.num(left < p.rank((p.open + p.close) - (p.vwap + p.open))) * -1


def alpha087(p: Plan) -> pl.Expr:
    """Alpha#87.

    Formula::

        (max(rank(decay_linear(delta(((close * 0.369701) + (vwap * (1 - 0.369701))), 1.91233), 2.65461)), Ts_Rank(decay_linear(abs(correlation(IndNeutralize(adv81, IndClass.industry), close, 13.4132)), 4.89768), 14.4535)) * -1)
    """
    price = (p.close * 0.369701) + (p.vwap * (1 - 0.369701))
    left = p.rank(p.decay_linear(p.delta(price, 1.91233), 2.65461))
    corr = p.correlation(p.indneutralize(p.adv(81), "industry"), p.close, 13.4132)
    return p.max(left, p.ts_rank(p.decay_linear(p.abs(corr), 4.89768), 14.4535)) * -1


def alpha088(p: Plan) -> pl.Expr:
    """Alpha#88.

    Formula::

        min(rank(decay_linear(((rank(open) + rank(low)) - (rank(high) + rank(close))), 8.06882)), Ts_Rank(decay_linear(correlation(Ts_Rank(close, 8.44728), Ts_Rank(adv60, 20.6966), 8.01266), 6.65053), 2.61957))
    """
    shape = (p.rank(p.open) + p.rank(p.low)) - (p.rank(p.high) + p.rank(p.close))
    left = p.rank(p.decay_linear(shape, 8.06882))
    corr = p.correlation(p.ts_rank(p.close, 8.44728), p.ts_rank(p.adv(60), 20.6966), 8.01266)
    return p.min(left, p.ts_rank(p.decay_linear(corr, 6.65053), 2.61957))


def alpha089(p: Plan) -> pl.Expr:
    """Alpha#89.

    Formula::

        (Ts_Rank(decay_linear(correlation(((low * 0.967285) + (low * (1 - 0.967285))), adv10, 6.94279), 5.51607), 3.79744) - Ts_Rank(decay_linear(delta(IndNeutralize(vwap, IndClass.industry), 3.48158), 10.1466), 15.3012))

    Resolution: ``(low * 0.967285) + (low * (1 - 0.967285))`` is just ``low``; kept as written.
    """
    price = (p.low * 0.967285) + (p.low * (1 - 0.967285))
    left = p.ts_rank(p.decay_linear(p.correlation(price, p.adv(10), 6.94279), 5.51607), 3.79744)
    moved = p.delta(p.indneutralize(p.vwap, "industry"), 3.48158)
    return left - p.ts_rank(p.decay_linear(moved, 10.1466), 15.3012)


def alpha090(p: Plan) -> pl.Expr:
    """Alpha#90.

    Formula::

        ((rank((close - ts_max(close, 4.66719)))^Ts_Rank(correlation(IndNeutralize(adv40, IndClass.subindustry), low, 5.38375), 3.21856)) * -1)
    """
    base = p.rank(p.close - p.ts_max(p.close, 4.66719))
    corr = p.correlation(p.indneutralize(p.adv(40), "subindustry"), p.low, 5.38375)
    return p.power(base, p.ts_rank(corr, 3.21856)) * -1


def alpha091(p: Plan) -> pl.Expr:
    """Alpha#91.

    Formula::

        ((Ts_Rank(decay_linear(decay_linear(correlation(IndNeutralize(close, IndClass.industry), volume, 9.74928), 16.398), 3.83219), 4.8667) - rank(decay_linear(correlation(vwap, adv30, 4.01303), 2.6809))) * -1)
    """
    corr = p.correlation(p.indneutralize(p.close, "industry"), p.volume, 9.74928)
    left = p.ts_rank(p.decay_linear(p.decay_linear(corr, 16.398), 3.83219), 4.8667)
    right = p.rank(p.decay_linear(p.correlation(p.vwap, p.adv(30), 4.01303), 2.6809))
    return (left - right) * -1


def alpha092(p: Plan) -> pl.Expr:
    """Alpha#92.

    Formula::

        min(Ts_Rank(decay_linear(((((high + low) / 2) + close) < (low + open)), 14.7221), 18.8683), Ts_Rank(decay_linear(correlation(rank(low), rank(adv30), 7.58555), 6.94024), 6.80584))

    The comparison inside ``decay_linear`` counts as 1.0 (true) / 0.0 (false).
    """
    below = p.num((((p.high + p.low) / 2) + p.close) < (p.low + p.open))
    left = p.ts_rank(p.decay_linear(below, 14.7221), 18.8683)
    corr = p.correlation(p.rank(p.low), p.rank(p.adv(30)), 7.58555)
    return p.min(left, p.ts_rank(p.decay_linear(corr, 6.94024), 6.80584))


def alpha093(p: Plan) -> pl.Expr:
    """Alpha#93.

    Formula::

        (Ts_Rank(decay_linear(correlation(IndNeutralize(vwap, IndClass.industry), adv81, 17.4193), 19.848), 7.54455) / rank(decay_linear(delta(((close * 0.524434) + (vwap * (1 - 0.524434))), 2.77377), 16.2664)))
    """
    corr = p.correlation(p.indneutralize(p.vwap, "industry"), p.adv(81), 17.4193)
    top = p.ts_rank(p.decay_linear(corr, 19.848), 7.54455)
    price = (p.close * 0.524434) + (p.vwap * (1 - 0.524434))
    return p.div(top, p.rank(p.decay_linear(p.delta(price, 2.77377), 16.2664)))


def alpha094(p: Plan) -> pl.Expr:
    """Alpha#94.

    Formula::

        ((rank((vwap - ts_min(vwap, 11.5783)))^Ts_Rank(correlation(Ts_Rank(vwap, 19.6462), Ts_Rank(adv60, 4.02992), 18.0926), 2.70756)) * -1)
    """
    base = p.rank(p.vwap - p.ts_min(p.vwap, 11.5783))
    corr = p.correlation(p.ts_rank(p.vwap, 19.6462), p.ts_rank(p.adv(60), 4.02992), 18.0926)
    return p.power(base, p.ts_rank(corr, 2.70756)) * -1


def alpha095(p: Plan) -> pl.Expr:
    """Alpha#95.

    Formula::

        (rank((open - ts_min(open, 12.4105))) < Ts_Rank((rank(correlation(sum(((high + low) / 2), 19.1351), sum(adv40, 19.1351), 12.8742))^5), 11.7584))

    The comparison is the alpha: 1.0 where true, 0.0 where false.
    """
    left = p.rank(p.open - p.ts_min(p.open, 12.4105))
    corr = p.correlation(p.sum((p.high + p.low) / 2, 19.1351), p.sum(p.adv(40), 19.1351), 12.8742)
    return p.num(left < p.ts_rank(p.power(p.rank(corr), 5), 11.7584))


def alpha096(p: Plan) -> pl.Expr:
    """Alpha#96.

    Formula::

        (max(Ts_Rank(decay_linear(correlation(rank(vwap), rank(volume), 3.83878), 4.16783), 8.38151), Ts_Rank(decay_linear(Ts_ArgMax(correlation(Ts_Rank(close, 7.45404), Ts_Rank(adv60, 4.13242), 3.65459), 12.6556), 14.0365), 13.4143)) * -1)
    """
    corr = p.correlation(p.rank(p.vwap), p.rank(p.volume), 3.83878)
    left = p.ts_rank(p.decay_linear(corr, 4.16783), 8.38151)
    inner = p.correlation(p.ts_rank(p.close, 7.45404), p.ts_rank(p.adv(60), 4.13242), 3.65459)
    right = p.ts_rank(p.decay_linear(p.ts_argmax(inner, 12.6556), 14.0365), 13.4143)
    return p.max(left, right) * -1


def alpha097(p: Plan) -> pl.Expr:
    """Alpha#97.

    Formula::

        ((rank(decay_linear(delta(IndNeutralize(((low * 0.721001) + (vwap * (1 - 0.721001))), IndClass.industry), 3.3705), 20.4523)) - Ts_Rank(decay_linear(Ts_Rank(correlation(Ts_Rank(low, 7.87871), Ts_Rank(adv60, 17.255), 4.97547), 18.5925), 15.7152), 6.71659)) * -1)
    """
    price = (p.low * 0.721001) + (p.vwap * (1 - 0.721001))
    left = p.rank(p.decay_linear(p.delta(p.indneutralize(price, "industry"), 3.3705), 20.4523))
    corr = p.correlation(p.ts_rank(p.low, 7.87871), p.ts_rank(p.adv(60), 17.255), 4.97547)
    right = p.ts_rank(p.decay_linear(p.ts_rank(corr, 18.5925), 15.7152), 6.71659)
    return (left - right) * -1


def alpha098(p: Plan) -> pl.Expr:
    """Alpha#98.

    Formula::

        (rank(decay_linear(correlation(vwap, sum(adv5, 26.4719), 4.58418), 7.18088)) - rank(decay_linear(Ts_Rank(Ts_ArgMin(correlation(rank(open), rank(adv15), 20.8187), 8.62571), 6.95668), 8.07206)))
    """
    left = p.rank(p.decay_linear(p.correlation(p.vwap, p.sum(p.adv(5), 26.4719), 4.58418), 7.18088))
    corr = p.correlation(p.rank(p.open), p.rank(p.adv(15)), 20.8187)
    right = p.rank(p.decay_linear(p.ts_rank(p.ts_argmin(corr, 8.62571), 6.95668), 8.07206))
    return left - right


def alpha099(p: Plan) -> pl.Expr:
    """Alpha#99.

    Formula::

        ((rank(correlation(sum(((high + low) / 2), 19.8975), sum(adv60, 19.8975), 8.8136)) < rank(correlation(low, volume, 6.28259))) * -1)
    """
    left = p.rank(p.correlation(p.sum((p.high + p.low) / 2, 19.8975), p.sum(p.adv(60), 19.8975), 8.8136))
    return p.num(left < p.rank(p.correlation(p.low, p.volume, 6.28259))) * -1


def alpha100(p: Plan) -> pl.Expr:
    """Alpha#100.

    Formula::

        (0 - (1 * (((1.5 * scale(indneutralize(indneutralize(rank(((((close - low) - (high - close)) / (high - low)) * volume)), IndClass.subindustry), IndClass.subindustry))) - scale(indneutralize((correlation(close, rank(adv20), 5) - rank(ts_argmin(close, 30))), IndClass.subindustry))) * (volume / adv20))))

    Resolution: neutralising twice against the same sub-industry is kept as
    written (the second pass changes nothing but rounding); the ``volume`` inside
    ``rank(...)`` is share volume under every basis.

    Resolution (``adv_basis``): ``adv20`` is a notional (dollar) average while
    ``volume`` is in shares. By default (``"consistent"``) today's notional
    ``amount`` stands for ``volume``, comparing like with like; ``"paper"`` reads
    share ``volume`` literally; ``"shares"`` makes ``adv20`` a mean of share volume.
    """
    pressure = p.div((p.close - p.low) - (p.high - p.close), p.high - p.low) * p.volume
    neutral = p.indneutralize(p.indneutralize(p.rank(pressure), "subindustry"), "subindustry")
    trend = p.correlation(p.close, p.rank(p.adv(20)), 5) - p.rank(p.ts_argmin(p.close, 30))
    spread = (1.5 * p.scale(neutral)) - p.scale(p.indneutralize(trend, "subindustry"))
    return 0 - (1 * (spread * p.div(p.volume_vs_adv, p.adv(20))))


def alpha101(p: Plan) -> pl.Expr:
    """Alpha#101.

    Formula::

        ((close - open) / ((high - low) + .001))
    """
    return p.div(p.close - p.open, (p.high - p.low) + 0.001)
