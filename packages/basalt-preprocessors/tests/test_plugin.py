"""The preprocessors plugin registers its preprocessors and the analytics over them, without errors."""

from basalt.testing import make_plugin_manager
from basalt_preprocessors import plugin


def test_registers_preprocessors_and_analytics_without_error() -> None:
    manager = make_plugin_manager(plugin, builtins=False)
    (info,) = manager.plugins()
    assert info.hooks == ["basalt_register_analytics", "basalt_register_preprocessors"]
    assert info.error is None
    assert {"l2_from_l3", "cbbo", "aggressive_orders", "iceberg"} <= set(manager.preprocessors())
    assert {"cbbo_venue", "aggressive", "iceberg_metrics"} <= set(manager.analytics())


def test_deferred_registrations_are_exactly_the_catalogues() -> None:
    # The plugin names each class by import path (imported on first use); the catalogues
    # hold the classes. Loading every registration must give the catalogues, no more, no less.
    from basalt_preprocessors.catalog_books import PREPROCESSORS as BOOKS
    from basalt_preprocessors.catalog_cbbo import ANALYTICS as CBBO_ANALYTICS
    from basalt_preprocessors.catalog_cbbo import PREPROCESSORS as CBBO
    from basalt_preprocessors.catalog_icebergs import ANALYTICS as ICEBERG_ANALYTICS
    from basalt_preprocessors.catalog_icebergs import PREPROCESSORS as ICEBERGS

    manager = make_plugin_manager(plugin, builtins=False)
    (info,) = manager.plugins(load=True)
    assert info.error is None
    assert [manager.preprocessors()[name] for name in manager.preprocessors()] == [*BOOKS, *CBBO, *ICEBERGS]
    analytics = [manager.analytics()[name] for name in manager.analytics()]
    assert analytics == [*CBBO_ANALYTICS, *ICEBERG_ANALYTICS]
