"""The plugin module: hook implementations only."""

from basalt import hookimpl


@hookimpl
def basalt_register_analytics():
    from basalt_plugin_example.large_trades import LargeTrades

    return [LargeTrades]
