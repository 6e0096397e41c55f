"""What every registrable class (table, module, writer) has in common."""

from __future__ import annotations

import re
from typing import ClassVar

NAME_PATTERN = re.compile(r"^[a-z][a-z0-9_]*$")
"""Registered names are lower-case identifiers: they appear in pipeline files."""


class Registrable:
    """A class registered under a unique ``NAME`` through a Basalt hook."""

    NAME: ClassVar[str]
    """Unique registered name (lower-case identifier), used in pipeline files."""

    @classmethod
    def describe(cls) -> str:
        """First paragraph of the class docstring: its one-line summary."""
        doc = (cls.__doc__ or "").strip()
        return " ".join(doc.split("\n\n", 1)[0].split())
