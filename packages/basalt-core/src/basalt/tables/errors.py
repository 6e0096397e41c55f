"""Errors about table data; each names the table, the file and the column at fault."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class ColumnProblem:
    """One column that does not meet the table's schema."""

    column: str
    expected: str
    found: str  # "missing" when absent

    def __str__(self) -> str:
        if self.found == "missing":
            return f"column {self.column!r} is missing (expected {self.expected})"
        return f"column {self.column!r} has dtype {self.found}, expected {self.expected}"


class TableError(Exception):
    """Base class of table data errors."""


class TableSchemaError(TableError):
    """A file's columns or dtypes do not match the BMLL schema of its table."""

    def __init__(self, table: str, source: str, problems: list[ColumnProblem]) -> None:
        self.table, self.source, self.problems = table, source, problems
        listed = "; ".join(str(problem) for problem in problems)
        super().__init__(
            f"table {table!r}, file {source}: {listed}. The file does not follow BMLL's "
            f"{table} schema; regenerate or re-download it (see `basalt data describe`)."
        )


class UnknownColumnError(TableError, KeyError):
    """A pipeline asked a table for a column its schema does not have."""

    def __str__(self) -> str:
        return str(self.args[0])
