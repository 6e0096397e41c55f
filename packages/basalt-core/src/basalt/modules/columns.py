"""Documentation records for the columns analytics modules emit.

Every output column of every module is described where it is produced, so that
``basalt analytics list|explain`` can answer for it without reading data.
"""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class ColumnDoc:
    """What one output column means.

    Attributes:
        name: The exact column name the module emits (``TradeTotalVolume``).
        unit: Unit of the values (``shares``, ``price``, ``bps``, ``count``…).
        definition: The formula in words.
        pattern: The family the column belongs to, with placeholders
            (``Trade{Side}Volume``); defaults to the name itself.
        sources: Input columns the value is computed from (``trades.Size``).
        dtype: Polars dtype class name of the column (``Float64``, ``UInt32``,
            ``Datetime``…); None leaves it unchecked.
        additive: True for sums over events (counts, volumes, notionals): an
            empty bucket of a dense timeline holds 0, not null.
    """

    name: str
    unit: str
    definition: str
    pattern: str = ""
    sources: tuple[str, ...] = field(default_factory=tuple)
    dtype: str | None = None
    additive: bool = False

    def __post_init__(self) -> None:
        if not self.name:
            raise ValueError("ColumnDoc.name must not be empty")
        if not self.definition.strip():
            raise ValueError(f"column {self.name!r} needs a definition")
        if not self.pattern:
            object.__setattr__(self, "pattern", self.name)

    def to_dict(self) -> dict[str, object]:
        """Plain JSON-serialisable form (used by ``--json`` outputs)."""
        return {
            "name": self.name,
            "pattern": self.pattern,
            "unit": self.unit,
            "definition": self.definition,
            "sources": list(self.sources),
            "dtype": self.dtype,
            "additive": self.additive,
        }
