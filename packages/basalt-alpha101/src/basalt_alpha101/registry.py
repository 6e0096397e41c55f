"""The 101 alphas by number: their functions, the paper's formulas and their inputs."""

from __future__ import annotations

import functools
import re
from collections.abc import Callable, Iterable
from types import ModuleType

import polars as pl

from basalt_alpha101 import alphas_001_025, alphas_026_050, alphas_051_075, alphas_076_101
from basalt_alpha101.inputs import ADV_BASES, VOLUME_VS_ADV, AdvBasis
from basalt_alpha101.plan import Plan

AlphaFunction = Callable[[Plan], pl.Expr]

PAPER = 'Z. Kakushadze, "101 Formulaic Alphas", Wilmott 2016(84), 72-80 (arXiv:1601.00991), Appendix A'
"""The source of every formula."""

_FUNCTION_NAME = re.compile(r"^alpha(\d{3})$")
_ID_TEXT = re.compile(r"^(?:alpha)?#?0*(\d{1,3})$", re.IGNORECASE)


def _collect(*modules: ModuleType) -> dict[int, AlphaFunction]:
    found: dict[int, AlphaFunction] = {}
    for module in modules:
        for name, value in vars(module).items():
            match = _FUNCTION_NAME.match(name)
            if match and callable(value):
                found[int(match.group(1))] = value
    return dict(sorted(found.items()))


ALPHAS: dict[int, AlphaFunction] = _collect(alphas_001_025, alphas_026_050, alphas_051_075, alphas_076_101)
"""Alpha number (1…101) -> function building it on a :class:`~basalt_alpha101.plan.Plan`."""

ALL_IDS: tuple[int, ...] = tuple(ALPHAS)
"""Every alpha number, in order."""


def column_name(number: int) -> str:
    """Output column of an alpha: ``Alpha001`` … ``Alpha101``."""
    return f"Alpha{number:03d}"


def formula(number: int) -> str:
    """The paper's formula of alpha ``number``, as quoted in its function's docstring."""
    doc = ALPHAS[number].__doc__ or ""
    _, marker, rest = doc.partition("Formula::")
    lines = [line.strip() for line in rest.splitlines() if line.strip()] if marker else []
    # Docstrings are gone under ``python -OO``: fall back to a citation.
    return lines[0] if lines else f"Alpha#{number} of {PAPER}"


def parse_ids(ids: Iterable[int | str] | None) -> list[int]:
    """Alpha numbers from ``ids`` (``7``, ``"Alpha007"``, ``"alpha#7"``, a range ``"1-47"``); None = all.

    Raises:
        ValueError: An unknown or repeated alpha, or an empty selection.
    """
    if ids is None:
        return list(ALL_IDS)
    if isinstance(ids, int | str):
        ids = [ids]
    chosen: list[int] = []
    for item in ids:
        if isinstance(item, bool):
            raise ValueError(f"not an alpha id: {item!r}")
        for number in _numbers(item):
            if number not in ALPHAS:
                raise ValueError(f"no alpha {item!r}: the paper numbers them 1…101")
            if number in chosen:
                raise ValueError(f"alpha {number} is chosen twice")
            chosen.append(number)
    if not chosen:
        raise ValueError("no alpha chosen")
    return chosen


def _numbers(item: int | str) -> list[int]:
    """One id, or the inclusive range ``"a-b"`` (each end an id), as alpha numbers."""
    if isinstance(item, int):
        return [item]
    text = str(item).strip()
    ends = text.split("-")
    matches = [_ID_TEXT.match(end.strip()) for end in ends]
    if len(ends) > 2 or not all(matches):
        raise ValueError(f"not an alpha id: {item!r} (use 1…101, 'Alpha001'…'Alpha101' or a range '1-47')")
    first, last = (int(m.group(1)) for m in (matches[0], matches[-1]))  # type: ignore[union-attr]
    if last < first:
        raise ValueError(f"alpha range {item!r} runs backwards")
    return list(range(first, last + 1))


def definition(number: int, adv_basis: AdvBasis = "consistent") -> str:
    """What ``basalt analytics explain`` says of alpha ``number``: its formula, and ``adv``'s basis.

    The formula as printed (:func:`formula`); for an alpha reading ``adv{d}``, the
    chosen ``adv_basis`` and what it means (:data:`~basalt_alpha101.inputs.ADV_BASES`).
    """
    text = formula(number)
    if "adv" not in text:
        return text
    meaning = ADV_BASES[adv_basis]
    if number not in VOLUME_VS_ADV:
        meaning = meaning.split(";")[0]
    return f"{text} — adv_basis={adv_basis!r}: {meaning}"


@functools.cache
def inputs_of(number: int, adv_basis: AdvBasis = "consistent") -> frozenset[str]:
    """Input names alpha ``number`` reads under ``adv_basis`` (``adv{d}`` counts as its base)."""
    plan = Plan(adv_basis)
    ALPHAS[number](plan)
    return plan.take_used()


@functools.cache
def history_of(number: int) -> int:
    """Earlier bars alpha ``number`` needs before a bar for its value to be fully warmed up.

    The sum of its nested windows (:meth:`Plan.history`), plus one when it reads
    ``returns``, which is derived from the previous close when the bars lack it.
    """
    plan = Plan()
    output = ALPHAS[number](plan)
    return plan.history(output) + (1 if "returns" in plan.take_used() else 0)
