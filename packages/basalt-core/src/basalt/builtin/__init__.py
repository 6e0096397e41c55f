"""The core's own plugins.

They register through the same hooks as any add-on (nothing is special-cased);
the plugin manager registers these modules before loading entry points.
"""

BUILTIN_PLUGINS: tuple[str, ...] = (
    "basalt.builtin.commands",
    "basalt.builtin.tables",
    "basalt.builtin.sources",
    "basalt.builtin.writers",
    "basalt.builtin.analytics",
    "basalt.builtin.executors",
)
"""Import paths of the built-in plugin modules, in registration order."""
