"""The characteristics plugin registers through the analytics hook, without errors."""

from basalt.testing import make_plugin_manager
from basalt_characteristics import plugin


def test_registers_analytics_without_error() -> None:
    (info,) = make_plugin_manager(plugin, builtins=False).plugins()
    assert info.hooks == ["basalt_register_analytics"]
    assert info.error is None
