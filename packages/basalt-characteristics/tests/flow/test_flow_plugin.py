"""The plugin registers the flow modules, and every column they can emit is documented with a dtype."""

from __future__ import annotations

import pytest

from basalt.testing import make_plugin_manager
from basalt_characteristics import plugin
from basalt_characteristics.catalog_flow import MODULES

FLOW = {"classification", "vpin", "trade_characteristics", "l3_characteristics"}


def test_plugin_registers_the_flow_modules() -> None:
    registry = make_plugin_manager(plugin, builtins=False).analytics()
    names = {module.NAME for module in MODULES}
    assert names == FLOW
    for name in FLOW:
        assert registry.get(name) is not None


@pytest.mark.parametrize("module", MODULES, ids=lambda m: m.NAME)
def test_columns_are_documented_and_unique(module: type) -> None:
    docs = module().columns()
    names = [doc.name for doc in docs]
    assert len(names) == len(set(names))
    assert all(doc.dtype and doc.unit and doc.sources for doc in docs)
    assert module.Config.__doc__
    assert all(field.description for field in module.Config.model_fields.values())
