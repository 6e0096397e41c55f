"""The alphas' inputs: names, meaning, column mapping, derivations, missing-input errors.

Inputs have fixed names inside the package (the paper's: ``open``, ``close``…);
a caller's frame may name them differently, mapped by ``columns``
(``{"close": "ClosePrice"}``). Three inputs can be derived when the frame lacks
them, each exactly from its definition:

* ``returns`` = ``close / delay(close, 1) - 1`` (close-to-close, per listing);
* ``amount`` (notional volume) = ``vwap * volume``;
* ``vwap`` = ``amount / volume`` (null where ``volume`` is 0).
"""

from __future__ import annotations

import difflib
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Literal, get_args

import polars as pl

from basalt_alpha101 import operators as op

PRICE_VOLUME: dict[str, str] = {
    "open": "opening price of the day (bar)",
    "high": "highest price of the day",
    "low": "lowest price of the day",
    "close": "closing price of the day",
    "volume": "traded volume, in shares",
    "vwap": "volume-weighted average price of the day",
    "returns": "close-to-close return; derived from close when absent",
    "amount": "notional (dollar) volume of the day; adv{d} is its d-day mean (unless adv_basis is "
    "'shares'); derived as vwap * volume",
    "cap": "market capitalisation (Alpha#56 only)",
}
"""Numeric inputs (computed in Float64, NaN read as null) and what they mean."""

GROUPS: dict[str, str] = {
    "sector": "sector label (IndClass.sector)",
    "industry": "industry label (IndClass.industry)",
    "subindustry": "sub-industry label (IndClass.subindustry)",
}
"""Industry classification labels, used by IndNeutralize (any dtype)."""

INPUTS: dict[str, str] = {**PRICE_VOLUME, **GROUPS}
"""Every input name the alphas may read, with its meaning."""

AdvBasis = Literal["consistent", "paper", "shares"]
"""What ``adv{d}`` averages, and which volume is set against it (see :data:`ADV_BASES`)."""

ADV_BASES: dict[str, str] = {
    "consistent": "adv{d} = d-day mean of notional amount (the paper's average daily dollar volume); "
    "where the paper compares or divides share volume with adv20 (Alpha#7, 17, 21, 39, 43, 47, 100), "
    "today's notional amount stands for volume, so both sides are in currency (the default)",
    "paper": "adv{d} = d-day mean of notional amount, and the seven alphas read share volume against "
    "it literally, as printed (Alpha#7 is then -1 on almost every row of a realistic panel)",
    "shares": "adv{d} = d-day mean of share volume, everywhere; the seven alphas read share volume "
    "(the convention of most public Alpha101 code)",
}
"""The choices of ``adv_basis`` and what each means."""

VOLUME_VS_ADV = (7, 17, 21, 39, 43, 47, 100)
"""Alphas whose formula sets share ``volume`` against the dollar ``adv20``."""


def check_adv_basis(value: str) -> AdvBasis:
    """``value`` if it is an ``adv_basis`` choice.

    Raises:
        ValueError: Not one of :data:`ADV_BASES`.
    """
    if value not in get_args(AdvBasis):
        raise ValueError(f"adv_basis must be one of {', '.join(map(repr, ADV_BASES))}; got {value!r}")
    return value  # type: ignore[return-value]


_DERIVATIONS: dict[str, tuple[tuple[str, ...], str]] = {
    "returns": (("close",), "close / delay(close, 1) - 1"),
    "amount": (("vwap", "volume"), "vwap * volume"),
    "vwap": (("amount", "volume"), "amount / volume"),
}


def _derivation(name: str) -> pl.Expr:
    col = pl.col
    if name == "returns":
        return op.div(col("close"), op.delay(col("close"), 1)) - 1
    if name == "amount":
        return col("vwap") * col("volume")
    return op.div(col("amount"), col("volume"))


class MissingInputError(ValueError):
    """The frame lacks an input that a chosen alpha needs."""


def check_columns(columns: Mapping[str, str] | None) -> dict[str, str]:
    """Validate a mapping of input names to frame column names.

    Raises:
        ValueError: A key is not an input name (with the closest names suggested).
    """
    mapping = dict(columns or {})
    for name, column in mapping.items():
        if name not in INPUTS:
            close = difflib.get_close_matches(name, INPUTS, n=2)
            hint = f" (did you mean {' or '.join(map(repr, close))}?)" if close else ""
            raise ValueError(f"unknown input {name!r} in columns{hint}; inputs are {', '.join(INPUTS)}")
        if not isinstance(column, str) or not column:
            raise ValueError(f"columns[{name!r}] must be a non-empty column name, got {column!r}")
    return mapping


@dataclass(frozen=True)
class Sources:
    """Where each needed input comes from.

    Attributes:
        direct: input name -> frame column read as is.
        derived: input name -> expression over already-read inputs.
    """

    direct: dict[str, str]
    derived: dict[str, pl.Expr]

    def select(self) -> list[pl.Expr]:
        """Expressions reading the direct inputs under their input names (Float64, NaN as null)."""
        exprs = []
        for name, column in self.direct.items():
            if name in GROUPS:
                exprs.append(pl.col(column).alias(name))
            else:
                exprs.append(pl.col(column).cast(pl.Float64).fill_nan(None).alias(name))
        return exprs


def resolve(needs: Mapping[str, frozenset[str]], mapping: Mapping[str, str], available: set[str]) -> Sources:
    """Find every needed input among ``available`` frame columns, deriving what can be.

    Args:
        needs: alpha column name (``Alpha048``) -> input names it reads.
        mapping: input name -> frame column (identity when absent).
        available: column names of the frame.

    Raises:
        MissingInputError: Naming every alpha that cannot be computed and what it lacks.
    """
    column = {name: mapping.get(name, name) for name in INPUTS}
    wanted = set().union(*needs.values()) if needs else set()
    direct = {name: column[name] for name in INPUTS if name in wanted and column[name] in available}
    derived: dict[str, pl.Expr] = {}
    for name in sorted(wanted - set(direct)):
        bases = _DERIVATIONS.get(name, ((), ""))[0]
        if bases and all(column[base] in available for base in bases):
            derived[name] = _derivation(name)
            direct.update({base: column[base] for base in bases})
    problems = []
    for alpha, names in needs.items():
        for name in sorted(names - set(direct) - set(derived)):
            problems.append(f"{alpha} needs input {name!r} ({_where(name, column)})")
    if problems:
        hint = "Map inputs to your column names with columns={input: column}."
        raise MissingInputError(f"cannot compute {'; '.join(problems)}. {hint}")
    return Sources(direct=direct, derived=derived)


def _where(name: str, column: Mapping[str, str]) -> str:
    text = f"no frame column {column[name]!r}"
    if name in _DERIVATIONS:
        bases, formula = _DERIVATIONS[name]
        text += f", nor {' and '.join(repr(column[base]) for base in bases)} to derive it as {formula}"
    return text
