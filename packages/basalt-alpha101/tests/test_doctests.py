"""Every docstring example of the operators and the API runs as written."""

from __future__ import annotations

import doctest
import importlib

import pytest

MODULES = [
    "basalt_alpha101.operators",
    "basalt_alpha101.operators.elementwise",
    "basalt_alpha101.operators.crosssection",
    "basalt_alpha101.operators.timeseries",
    "basalt_alpha101.operators.moments",
    "basalt_alpha101.api",
]


@pytest.mark.parametrize("name", MODULES)
def test_docstring_examples(name: str) -> None:
    result = doctest.testmod(importlib.import_module(name), optionflags=doctest.NORMALIZE_WHITESPACE)
    assert result.attempted > 0
    assert result.failed == 0
