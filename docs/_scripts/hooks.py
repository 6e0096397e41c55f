"""MkDocs hook: pages that other work adds to docs/ join the navigation once they exist.

``OPTIONAL`` pages are listed in the nav (after the entry they follow) only when their file is
in docs/, so the strict build neither fails before such a page is written nor leaves it out of
the navigation after.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

# page file -> (nav title, the nav entry it follows)
OPTIONAL: dict[str, tuple[str, str]] = {
    "operations.md": ("Operations", "pipelines.md"),
}


def on_config(config: Any) -> Any:
    """Insert each optional page that exists into the top level of the nav."""
    docs = Path(config["docs_dir"])
    nav: list[Any] = config["nav"] or []
    listed = {v for entry in nav if isinstance(entry, dict) for v in entry.values() if isinstance(v, str)}
    for page, (title, after) in OPTIONAL.items():
        if not (docs / page).is_file() or page in listed:
            continue
        place = next(
            (i + 1 for i, e in enumerate(nav) if isinstance(e, dict) and after in e.values()), len(nav)
        )
        nav.insert(place, {title: page})
    config["nav"] = nav
    return config
