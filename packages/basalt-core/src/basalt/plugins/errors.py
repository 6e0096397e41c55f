"""Errors raised by the plugin system; each names the plugin(s) at fault."""

from __future__ import annotations

import difflib


class PluginError(Exception):
    """Base class of plugin-system errors."""


class PluginConflictError(PluginError):
    """Two plugins registered the same ``NAME`` for the same kind."""

    def __init__(self, kind: str, name: str, first: str, second: str, second_plugin: str) -> None:
        self.kind, self.name = kind, name
        super().__init__(
            f"{kind} name {name!r} is registered twice: by {first} and by {second}. "
            f"Uninstall one of them, or block one with BASALT_DISABLE_PLUGINS={second_plugin}."
        )


class PluginLoadError(PluginError):
    """A deferred registration failed to import, or is not what its plugin said it is."""


class UnknownNameError(PluginError, KeyError):
    """A pipeline asked for a table/module/writer no installed plugin provides."""

    def __init__(self, kind: str, name: str, known: list[str], install_hint: str | None) -> None:
        self.kind, self.name = kind, name
        message = f"no installed plugin provides {kind} {name!r}."
        close = difflib.get_close_matches(name, known, n=3)
        if close:
            message += f" Did you mean {', '.join(repr(c) for c in close)}?"
        if install_hint:
            message += f" It is provided by an add-on: {install_hint}"
        elif known:
            message += f" Installed {kind}: {', '.join(sorted(known))}."
        message += " See `basalt plugins list` for what is installed."
        super().__init__(message)

    def __str__(self) -> str:  # KeyError would repr() the message
        return str(self.args[0])
