"""Market-data tables in BMLL's schemas."""

from basalt.tables.base import Table
from basalt.tables.errors import ColumnProblem, TableError, TableSchemaError, UnknownColumnError

__all__ = ["ColumnProblem", "Table", "TableError", "TableSchemaError", "UnknownColumnError"]
