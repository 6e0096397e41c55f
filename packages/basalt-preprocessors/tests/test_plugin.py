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
