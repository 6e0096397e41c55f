"""Every installed analytics module emits exactly the columns it documents (on real BMLL rows).

Modules that need configuration to know their columns (re-aggregation,
indicators, alphas) are covered by their own tests with a configuration.
"""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from basalt.modules.columns import ColumnDoc
from basalt.plugins.manager import get_plugin_manager
from basalt.testing import run_module
from bmll_sample import sample_frame

TABLES = ("trades", "l2", "l3", "marketstate", "reference", "cbbo", "imbalance")
MODULES = sorted(get_plugin_manager().analytics().items())


def _runnable(module_cls: type) -> bool:
    try:
        instance = module_cls()
    except ValidationError:
        return False
    return all(name in TABLES for name in instance.input_names())


@pytest.mark.parametrize(
    ("name", "module_cls"), [m for m in MODULES if _runnable(m[1])], ids=lambda v: str(v)
)
def test_module_output_matches_its_documentation(name: str, module_cls: type) -> None:
    module = module_cls()
    inputs = {table: sample_frame(table) for table in module.input_names()}
    result = run_module(module, inputs)  # fails on any undocumented, missing or mistyped column
    assert result.height > 0, f"{name} produced no rows from the BMLL sample"


@pytest.mark.parametrize(("name", "module_cls"), MODULES, ids=lambda v: str(v))
def test_every_column_doc_is_complete(name: str, module_cls: type) -> None:
    try:
        columns = module_cls().columns()
    except ValidationError:
        pytest.skip(f"{name} documents its columns once configured")
    assert columns, f"{name} documents no columns"
    for doc in columns:
        assert isinstance(doc, ColumnDoc)
        assert all((doc.unit, doc.definition, doc.pattern)), f"{name}.{doc.name} is not fully documented"
    names = [doc.name for doc in columns]
    assert len(names) == len(set(names)), f"{name} documents a column twice"
