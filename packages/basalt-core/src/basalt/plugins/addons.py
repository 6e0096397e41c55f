"""Names provided by Basalt's own add-on distributions, for install hints.

When a pipeline names a module that no installed plugin provides but one of our
add-ons does, the error says what to do: install the extra, or, when the add-on
is installed but blocked by ``BASALT_DISABLE_PLUGINS``, unblock it.
"""

from __future__ import annotations

import os
from importlib.metadata import PackageNotFoundError, distribution

KNOWN_ADDON_NAMES: dict[tuple[str, str], str] = {
    ("analytics", "alpha101"): "alpha101",
}
"""(kind, registered name) → the ``bmll-basalt[...]`` extra that provides it.

Add-ons add entries here as they grow: the core cannot ask an add-on that is
not installed what it would provide.
"""

DISABLE_ENV_VAR = "BASALT_DISABLE_PLUGINS"
"""The variable blocking plugins by entry-point or distribution name (read by the plugin manager)."""


def addon_distribution(extra: str) -> str:
    """The distribution behind ``bmll-basalt[extra]``: ``alpha101`` → ``bmll-basalt-alpha101``."""
    return f"bmll-basalt-{extra}"


def _installed(dist: str) -> bool:
    try:
        distribution(dist)
    except PackageNotFoundError:
        return False
    return True


def _blocked_by_env(extra: str, dist: str) -> list[str]:
    """The names in ``BASALT_DISABLE_PLUGINS`` that block the add-on (entry-point or distribution name)."""
    raw = os.environ.get(DISABLE_ENV_VAR, "")
    names = [part.strip() for part in raw.split(",") if part.strip()]
    canonical = {extra.lower(), dist.lower(), dist.lower().replace("-", "_")}
    return [
        name for name in names if name.lower().replace("_", "-") in canonical or name.lower() in canonical
    ]


def install_hint(kind: str, name: str) -> str | None:
    """What to do to get ``name``: the pip command installing its add-on, or how to unblock it.

    The text follows "It is provided by an add-on: " in the unknown-name error,
    and ends its sentence. It may hold ``[``/``]`` (``bmll-basalt[alpha101]``):
    printers must not read it as markup.
    """
    extra = KNOWN_ADDON_NAMES.get((kind, name))
    if extra is None:
        return None
    dist = addon_distribution(extra)
    if _installed(dist):
        blockers = _blocked_by_env(extra, dist)
        if blockers:
            return (
                f"{dist}, which is installed but disabled by {DISABLE_ENV_VAR} "
                f"(it lists {', '.join(blockers)}); remove that from the variable to use {name!r}."
            )
        return (
            f"{dist}, which is installed but did not load (`basalt plugins list` shows why); "
            f"to reinstall it: pip install 'bmll-basalt[{extra}]' --force-reinstall."
        )
    return f"pip install 'bmll-basalt[{extra}]'."
