"""Which Basalt distributions are installed, from package metadata alone."""

from __future__ import annotations

from importlib.metadata import distributions

from basalt.hookspecs import PROJECT_NAME


def installed_basalt_distributions() -> list[tuple[str, str]]:
    """(name, version) of every installed ``bmll-basalt*`` distribution and of
    every other distribution exposing ``basalt`` entry points, sorted by name.

    Reads metadata only: no plugin is imported.
    """
    found: dict[str, str] = {}
    for dist in distributions():
        name = dist.metadata["Name"]
        if not name:
            continue
        canonical = name.lower().replace("_", "-")
        if canonical.startswith("bmll-basalt") or any(ep.group == PROJECT_NAME for ep in dist.entry_points):
            found.setdefault(name, dist.version)
    return sorted(found.items(), key=lambda item: (item[0] != "bmll-basalt", item[0]))
