"""The preprocessors plugin registers through the preprocessors hook, without errors."""

from basalt.testing import make_plugin_manager
from basalt_preprocessors import plugin


def test_registers_preprocessors_without_error() -> None:
    (info,) = make_plugin_manager(plugin, builtins=False).plugins()
    assert info.hooks == ["basalt_register_preprocessors"]
    assert info.error is None
