"""Names provided by Basalt's own add-on distributions, for install hints.

When a pipeline names a module that no installed plugin provides but one of our
add-ons does, the error says which extra to install.
"""

from __future__ import annotations

KNOWN_ADDON_NAMES: dict[tuple[str, str], str] = {
    ("analytics", "alpha101"): "alpha101",
}
"""(kind, registered name) → the ``bmll-basalt[...]`` extra that provides it.

Add-ons add entries here as they grow: the core cannot ask an add-on that is
not installed what it would provide.
"""


def install_hint(kind: str, name: str) -> str | None:
    """The pip command installing the add-on that provides ``name``, if known."""
    extra = KNOWN_ADDON_NAMES.get((kind, name))
    return f"pip install 'bmll-basalt[{extra}]'" if extra else None
