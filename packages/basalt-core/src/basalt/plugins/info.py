"""What Basalt knows about one plugin: where it came from and what it gave."""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass
class PluginInfo:
    """One registered (or failed, or blocked) plugin.

    Attributes:
        name: Entry-point name (built-ins: their module name).
        distribution: The installed distribution that ships it.
        version: That distribution's version.
        module: The import path the entry point names.
        builtin: True for the core's own plugins under ``basalt.builtin``.
        disabled: True when blocked by ``BASALT_DISABLE_PLUGINS``.
        hooks: Names of the hooks it implements.
        provides: Registered names per kind (``analytics`` → ``["vwap"]``).
        errors: Everything that went wrong loading or calling it.
    """

    name: str
    distribution: str
    version: str
    module: str
    builtin: bool = False
    disabled: bool = False
    hooks: list[str] = field(default_factory=list)
    provides: dict[str, list[str]] = field(default_factory=dict)
    errors: list[str] = field(default_factory=list)

    @property
    def error(self) -> str | None:
        """All errors joined, or None when the plugin is healthy."""
        return "; ".join(self.errors) if self.errors else None

    @property
    def owner(self) -> str:
        """How error messages name this plugin: plugin, distribution and version."""
        return f"plugin {self.name!r} (distribution {self.distribution} {self.version})"

    def add_error(self, message: str) -> None:
        """Record a problem once (the same message is not repeated)."""
        if message not in self.errors:
            self.errors.append(message)

    def to_dict(self) -> dict[str, object]:
        """The JSON form printed by ``basalt plugins list --json``."""
        return {
            "name": self.name,
            "distribution": self.distribution,
            "version": self.version,
            "module": self.module,
            "builtin": self.builtin,
            "disabled": self.disabled,
            "hooks": list(self.hooks),
            "provides": {kind: list(names) for kind, names in self.provides.items()},
            "error": self.error,
        }

    @classmethod
    def from_dict(cls, data: dict[str, object]) -> PluginInfo:
        """Rebuild an info from :meth:`to_dict` (the plugin cache stores that form)."""
        error = data.get("error")
        hooks = data.get("hooks") or []
        provides = data.get("provides") or {}
        if not isinstance(hooks, list) or not isinstance(provides, dict):
            raise TypeError("a plugin info needs a list of hooks and a dict of provides")
        return cls(
            name=str(data["name"]),
            distribution=str(data["distribution"]),
            version=str(data["version"]),
            module=str(data["module"]),
            builtin=bool(data.get("builtin")),
            disabled=bool(data.get("disabled")),
            hooks=[str(hook) for hook in hooks],
            provides={str(kind): [str(name) for name in names] for kind, names in provides.items()},
            errors=[str(error)] if error else [],
        )
