"""Values a metric parameter takes: plain strings or ints, or :class:`Choice` objects.

A :class:`Choice` carries what a value means besides its name: a text for the
column's definition and, optionally, a row mask (``side.where(pl.col("Size")).sum()``
or ``pl.col("Size").filter(side.mask).sum()``; a metric module computes each mask
once per row, before grouping). Its name is what goes into
the column name (``Trade{side}Volume`` → ``TradeBidVolume``); the definition
template reaches the rest through attribute access (``{side.text}``).
"""

from __future__ import annotations

from dataclasses import dataclass, field

import polars as pl

from basalt.analytics.trade.sides import side_mask


def every_row() -> pl.Expr:
    """True on every row, as a column (a bare ``pl.lit(True)`` would aggregate to one value)."""
    return pl.int_range(pl.len()) >= 0


@dataclass(frozen=True, eq=False)
class Choice:
    """One named value of a metric parameter.

    Attributes:
        name: What the value contributes to a column name (``Bid``).
        text: What it means, for definitions (``{side.text}``); defaults to ``name``.
        mask: True on the rows the value selects (never null), for
            ``pl.col(...).filter(side.mask)`` or ``side.mask.sum()``; every row
            when not given.
    """

    name: str
    text: str = ""
    mask: pl.Expr = field(default_factory=every_row)

    def __post_init__(self) -> None:
        if not self.text:
            object.__setattr__(self, "text", self.name)

    def where(self, value: pl.Expr) -> pl.Expr:
        """``value`` on the rows this choice selects, null elsewhere: aggregate it (``.sum()``, ``.max()``).

        The fast idiom: the module computes each mask once, before grouping, and
        ``when/then`` inside an aggregation costs about what a hand-written helper
        column does (``.filter(mask)`` in an aggregation is about twice as slow).
        """
        return pl.when(self.mask).then(value)

    def __str__(self) -> str:
        return self.name

    def __format__(self, spec: str) -> str:
        return format(self.name, spec)

    def __repr__(self) -> str:
        return f"Choice({self.name!r})"


_SIDE_TEXT = {
    "Bid": "seller-initiated trades (AggressorSide 2)",
    "Ask": "buyer-initiated trades (AggressorSide 1)",
    "Unknown": "trades of unknown aggressor (AggressorSide neither 1 nor 2, or null)",
    "Total": "all trades",
}


def _side(name: str) -> Choice:
    mask = side_mask(name)
    return Choice(name, _SIDE_TEXT[name], every_row() if mask is None else mask)


SIDES: tuple[Choice, ...] = tuple(_side(name) for name in _SIDE_TEXT)
"""Trade aggressor sides exactly as the ``trade`` module reads them (BMLL's ``AggressorSide``).

``Bid``: seller-initiated (AggressorSide 2); ``Ask``: buyer-initiated (1);
``Unknown``: any other value or null; ``Total``: every trade.
"""

CHOICE_VALUE = str | int | Choice
"""What a parameter value may be."""


def value_name(value: CHOICE_VALUE) -> str | int:
    """The key a configuration selects a value by: a Choice's name, else the value itself."""
    return value.name if isinstance(value, Choice) else value
