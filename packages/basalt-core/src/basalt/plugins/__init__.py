"""Plugin discovery and registries."""

from basalt.plugins.deferred import Deferred
from basalt.plugins.errors import PluginConflictError, PluginError, PluginLoadError, UnknownNameError
from basalt.plugins.info import PluginInfo
from basalt.plugins.manager import (
    DISABLE_ENV_VAR,
    KIND_HOOKS,
    PluginManager,
    get_plugin_manager,
    reset_plugin_manager,
)
from basalt.plugins.registry import Registry

__all__ = [
    "DISABLE_ENV_VAR",
    "Deferred",
    "KIND_HOOKS",
    "PluginConflictError",
    "PluginError",
    "PluginInfo",
    "PluginLoadError",
    "PluginManager",
    "Registry",
    "UnknownNameError",
    "get_plugin_manager",
    "reset_plugin_manager",
]
