"""The alpha101 plugin registers through the analytics hook, without errors."""

from basalt.testing import make_plugin_manager
from basalt_alpha101 import plugin


def test_registers_analytics_without_error() -> None:
    (info,) = make_plugin_manager(plugin, builtins=False).plugins()
    assert info.hooks == ["basalt_register_analytics"]
    assert info.error is None
