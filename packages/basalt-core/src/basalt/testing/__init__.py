"""Helpers for plugin authors' tests (also served as pytest fixtures).

``make_plugin_manager`` builds a manager holding only the plugins you choose;
``run_module`` runs one module on small frames and checks that every column it
emits is documented; ``assert_module_matches`` compares a module's output with
an independent reference column by column (relative tolerance, identical
nulls, a readable diff); ``sample_frame`` / ``sample_tables`` give BMLL's real
sample rows and ``synth_lake`` / ``synth_tables`` a small synthetic market.

Example:
    >>> import polars as pl
    >>> from basalt.testing import run_module
    >>> # run_module(MyModule, {"trades": trades_frame}, config={"min_size": 10})
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import polars as pl

from basalt.modules.base import AnalyticModule, ModuleConfig, PreprocessorModule
from basalt.plugins.manager import PluginManager
from basalt.timebuckets import TimeBuckets

Module = AnalyticModule | PreprocessorModule


def make_plugin_manager(*plugins: object, builtins: bool = True, **named: object) -> PluginManager:
    """A plugin manager holding the core's built-ins (optional) and these plugins only.

    Installed entry points are not loaded, so tests do not depend on what else
    is installed. Positional plugins are named after their ``__name__``.
    """
    chosen = {getattr(plugin, "__name__", repr(plugin)): plugin for plugin in plugins}
    chosen.update(named)
    return PluginManager(builtins=builtins, entry_points=False, plugins=chosen, disabled=())


def run_module(
    module: Module | type[Module],
    inputs: Mapping[str, pl.DataFrame | pl.LazyFrame],
    *,
    config: ModuleConfig | Mapping[str, Any] | None = None,
    buckets: TimeBuckets | None = None,
    check_columns: bool = True,
) -> pl.DataFrame:
    """Run ``module`` on in-memory frames and return its collected output.

    Args:
        module: A module class (instantiated with ``config``) or instance.
        inputs: One frame per name in the module's ``input_names()``.
        config: The module's configuration when ``module`` is a class.
        buckets: Time-bucket semantics (default: 60 s, right-closed, end-labelled).
        check_columns: Fail unless the output holds exactly ``KEYS`` plus the
            documented ``columns()``, in any order, with the documented dtypes.

    Raises:
        AssertionError: On a missing input, an undocumented or missing column, or a
            column whose dtype differs from its documentation.
    """
    instance = module(config) if isinstance(module, type) else module
    missing_inputs = [name for name in instance.input_names() if name not in inputs]
    assert not missing_inputs, f"module {instance.NAME!r} needs inputs {missing_inputs}"
    lazy = {name: frame.lazy() for name, frame in inputs.items()}
    result = instance.compute(lazy, buckets or TimeBuckets()).collect()
    if check_columns:
        documented = [*instance.KEYS, *(column.name for column in instance.columns())]
        undocumented = [name for name in result.columns if name not in documented]
        absent = [name for name in documented if name not in result.columns]
        assert not undocumented, (
            f"module {instance.NAME!r} emits undocumented columns {undocumented}: "
            "add a ColumnDoc for each to columns()"
        )
        assert not absent, f"module {instance.NAME!r} documents columns it does not emit: {absent}"
        wrong_dtypes = {
            column.name: (column.dtype, type(result.schema[column.name]).__name__)
            for column in instance.columns()
            if column.dtype is not None and type(result.schema[column.name]).__name__ != column.dtype
        }
        assert not wrong_dtypes, (
            f"module {instance.NAME!r} emits dtypes other than documented (documented, found): {wrong_dtypes}"
        )
    return result


from basalt.testing.compare import (  # noqa: E402 - after run_module, which it uses
    assert_frames_match,
    assert_module_matches,
    frame_differences,
)
from basalt.testing.sample import (  # noqa: E402
    SAMPLE_DAY,
    SAMPLE_MIC,
    sample_frame,
    sample_tables,
    synth_lake,
    synth_tables,
)

__all__ = [
    "SAMPLE_DAY",
    "SAMPLE_MIC",
    "assert_frames_match",
    "assert_module_matches",
    "frame_differences",
    "make_plugin_manager",
    "run_module",
    "sample_frame",
    "sample_tables",
    "synth_lake",
    "synth_tables",
]
