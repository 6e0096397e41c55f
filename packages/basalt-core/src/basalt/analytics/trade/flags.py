"""Counts and volumes of flagged trades: retail, block, odd lot, mixed lot, algorithmic.

Flags are matched exactly against the values BMLL's trades-plus uses (checked
on BMLL sample data): ``BMLLParticipantType``/``ParticipantType`` ``'RETAIL'``
(else ``'UNKNOWN'``), ``IsBlock`` ``'TRUE'`` (else ``'FALSE'``), ``LotType``
``'ODD'`` / ``'MIXED'`` (else ``'ROUND'``), ``AlgorithmicTrade`` ``'H'`` (the
MMT algorithmic flag; else ``'-'``). A null value is not flagged. Counted over
every kept trade, whatever its side.
"""

from __future__ import annotations

import polars as pl

from basalt.analytics.trade.config import TradeConfig
from basalt.analytics.trade.family import SIZE, Family, size
from basalt.modules.columns import ColumnDoc


def flag_rule(flag: str, cfg: TradeConfig) -> tuple[str, str]:
    """The trades-plus column and the value that mark a trade with ``flag``."""
    return {
        "Retail": (cfg.retail_column, "RETAIL"),
        "Block": ("IsBlock", "TRUE"),
        "OddLot": ("LotType", "ODD"),
        "MixedLot": ("LotType", "MIXED"),
        "Algorithmic": ("AlgorithmicTrade", "H"),
    }[flag]


def flags(cfg: TradeConfig) -> Family:
    """Trade{Flag}Count and Trade{Flag}Volume for every configured flag."""
    family = Family()
    for flag in cfg.flags:
        column, value = flag_rule(flag, cfg)
        mask = f"_F_{flag}"
        volume = f"_FV_{flag}"
        family.prep[mask] = (pl.col(column) == value).fill_null(False)
        family.prep[volume] = pl.when(pl.col(column) == value).then(size())
        family.aggs += [
            pl.col(mask).sum().cast(pl.Int64).alias(f"Trade{flag}Count"),
            pl.col(volume).sum().alias(f"Trade{flag}Volume"),
        ]
        rule = f"{column} == '{value}'"
        family.docs += [
            ColumnDoc(
                f"Trade{flag}Count",
                unit="count",
                definition=f"Number of the bucket's kept trades with {rule} (0 if none).",
                pattern="Trade{Flag}Count",
                sources=(f"trades.{column}", "trades.TradeTimestamp"),
                dtype="Int64",
                additive=True,
            ),
            ColumnDoc(
                f"Trade{flag}Volume",
                unit="shares",
                definition=f"Sum of Size of the bucket's kept trades with {rule} (0 if none).",
                pattern="Trade{Flag}Volume",
                sources=(f"trades.{column}", f"trades.{SIZE}", "trades.TradeTimestamp"),
                dtype="Float64",
                additive=True,
            ),
        ]
    return family
