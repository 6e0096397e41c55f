"""The characteristics plugin registers through the analytics hook, without errors."""

from basalt.testing import make_plugin_manager
from basalt_characteristics import plugin


def test_registers_analytics_without_error() -> None:
    (info,) = make_plugin_manager(plugin, builtins=False).plugins()
    assert info.hooks == ["basalt_register_analytics"]
    assert info.error is None


def test_deferred_registrations_are_exactly_the_catalogues() -> None:
    # The plugin names each class by import path (imported on first use); the catalogues
    # hold the classes. Loading every registration must give the catalogues and the bars.
    from basalt_characteristics.bars import BarsModule
    from basalt_characteristics.catalog_book import MODULES as BOOK
    from basalt_characteristics.catalog_flow import MODULES as FLOW

    manager = make_plugin_manager(plugin, builtins=False)
    (info,) = manager.plugins(load=True)
    assert info.error is None
    assert [manager.analytics()[name] for name in manager.analytics()] == [*BOOK, *FLOW, BarsModule]
