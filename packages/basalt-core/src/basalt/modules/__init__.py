"""Module base classes and column documentation."""

from basalt.modules.base import AnalyticModule, ModuleConfig, PreprocessorModule
from basalt.modules.columns import ColumnDoc

__all__ = ["AnalyticModule", "ColumnDoc", "ModuleConfig", "PreprocessorModule"]
