"""MkDocs hook: pages that other work adds to docs/ join the navigation once they exist.

``OPTIONAL`` pages are listed in the nav (after the entry they follow) only when their file is
in docs/, so the strict build neither fails before such a page is written nor leaves it out of
the navigation after. Any other page of docs/ that mkdocs.yml's nav does not list is added under
"More", titled by its first heading, so a new page is never only reachable by search.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

# page file -> (nav title, the nav entry it follows)
OPTIONAL: dict[str, tuple[str, str]] = {
    "operations.md": ("Operations", "pipelines.md"),
}


def _listed(nav: list[Any]) -> Iterator[str]:
    for entry in nav:
        values = entry.values() if isinstance(entry, dict) else [entry]
        for value in values:
            if isinstance(value, str):
                yield value
            elif isinstance(value, list):
                yield from _listed(value)


def _title(page: Path) -> str:
    for line in page.read_text().splitlines():
        if line.startswith("# "):
            return line[2:].strip()
    return page.stem.replace("-", " ").capitalize()


def on_config(config: Any) -> Any:
    """Insert each optional page that exists, then any unlisted page of docs/, into the nav."""
    docs = Path(config["docs_dir"])
    nav: list[Any] = config["nav"] or []
    listed = set(_listed(nav))
    for page, (title, after) in OPTIONAL.items():
        if not (docs / page).is_file() or page in listed:
            continue
        place = next(
            (i + 1 for i, e in enumerate(nav) if isinstance(e, dict) and after in e.values()), len(nav)
        )
        nav.insert(place, {title: page})
        listed.add(page)
    more = [{_title(p): p.name} for p in sorted(docs.glob("*.md")) if p.name not in listed]
    if more:
        nav.append({"More": more})
    config["nav"] = nav
    return config
