"""The plugin registers the book modules, and their columns do not collide with the core's."""

from __future__ import annotations

from pydantic import ValidationError

from basalt.testing import make_plugin_manager
from basalt_characteristics import plugin
from basalt_characteristics.catalog_book import MODULES

BOOK = ("ofi", "microprice", "volatility", "liquidity")


def test_plugin_registers_the_book_modules() -> None:
    manager = make_plugin_manager(plugin)
    for name in BOOK:
        assert manager.analytics().get(name).NAME == name
    (info,) = [p for p in manager.plugins() if p.name.endswith("plugin")]
    assert info.error is None


def test_book_columns_are_unique_and_distinct_from_the_cores() -> None:
    core = make_plugin_manager()
    core_columns: set[str] = set()
    for name in core.analytics():
        try:
            module = core.analytics()[name]()
        except ValidationError:  # needs a config (e.g. reaggregate's rules): no fixed columns
            continue
        core_columns |= {doc.name.lower() for doc in module.columns()}
    assert {"weightedmid", "weightedmidtwa", "microprice"} <= core_columns
    ours = [
        doc.name
        for module in MODULES
        for doc in module({"levels": 10} if module.NAME == "ofi" else {}).columns()
    ]
    assert len(ours) == len(set(ours))
    # Case-insensitively too: SQL writers fold case.
    assert not {name.lower() for name in ours} & core_columns
