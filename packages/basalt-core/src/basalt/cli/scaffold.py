"""``basalt plugins new NAME``: a plugin distribution that installs and passes its tests as generated.

The scaffold is the smallest complete plugin: ``pyproject.toml`` with the
``basalt`` entry point, ``plugin.py`` holding only the hook implementation,
one declared metric (:mod:`basalt.metrics`), tests written with the fixtures
``bmll-basalt`` ships (hand-computed values, an independent plain-Python
reference on a synthetic day, BMLL's real sample rows, the registration), a
README and a CHANGELOG.
"""

from __future__ import annotations

import re
from pathlib import Path
from string import Template

import typer

from basalt.__about__ import __version__
from basalt.cli.context import console

_DIST = re.compile(r"^[A-Za-z][A-Za-z0-9]*([-_][A-Za-z0-9]+)*$")

PYPROJECT = """\
[build-system]
requires = ["hatchling>=1.26"]
build-backend = "hatchling.build"

[project]
name = "$dist"
version = "0.1.0"
description = "A Basalt analytics plugin: $module per listing and time bucket."
readme = "README.md"
requires-python = ">=3.11"
dependencies = ["bmll-basalt>=$core_version"]

[project.optional-dependencies]
test = ["pytest>=8"]

# This table is all it takes for Basalt to find the plugin.
[project.entry-points.basalt]
$package = "$package.plugin"

[tool.hatch.build.targets.wheel]
packages = ["src/$package"]
"""

INIT = '''"""$dist: a Basalt analytics plugin."""

__version__ = "0.1.0"
'''

METRICS = '''"""The metrics of the ``$module`` module: one declaration per column family."""

from __future__ import annotations

import polars as pl

from basalt.metrics import SIDES, Choice, metric


@metric("trades", pattern="Trade{side}AvgSize", unit="shares", params={"side": SIDES}, dtype="Float64")
def trade_avg_size(side: Choice) -> pl.Expr:
    """Mean Size of {side.text} in the bucket; null when there is none."""
    return side.where(pl.col("Size").cast(pl.Float64)).mean()
'''

PLUGIN = '''"""The plugin module: hook implementations only."""

from __future__ import annotations

from basalt import hookimpl
from basalt.metrics import MetricModule, metric_module

from $package.metrics import trade_avg_size

$class_name = metric_module("$module", trade_avg_size, doc="Mean trade size per side, listing and bucket.")


@hookimpl
def basalt_register_analytics() -> list[type[MetricModule]]:
    return [$class_name]
'''

TESTS = '''"""Tests of the ``$module`` module, with the fixtures bmll-basalt ships (basalt.testing)."""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Callable, Mapping
from datetime import datetime, timedelta
from typing import Any

import polars as pl

from $package import plugin
from $package.plugin import $class_name

T0 = datetime(2026, 1, 5, 9, 0)
TRADES = pl.DataFrame(
    {
        "ListingId": [1, 1, 1, 2],
        "TradeTimestamp": [T0 + timedelta(seconds=s) for s in (10, 20, 70, 5)],
        "AggressorSide": [1, 1, 2, None],
        "Size": [100, 300, 50, 7],
    },
    schema_overrides={"AggressorSide": pl.Int64},
)


def test_hand_computed(basalt_run_module: Callable[..., pl.DataFrame]) -> None:
    out = basalt_run_module($class_name, {"trades": TRADES})
    first = out.row(0, named=True)
    assert first["TradeAskAvgSize"] == 200.0  # (100 + 300) / 2, buyer-initiated
    assert first["TradeBidAvgSize"] is None  # no seller-initiated trade in 09:00-09:01
    assert first["TradeTotalAvgSize"] == 200.0
    assert out["TradeUnknownAvgSize"].to_list() == [None, None, 7.0]


def _reference(inputs: Mapping[str, pl.DataFrame]) -> list[dict[str, Any]]:
    """Plain Python: mean Size per side, listing and minute (a trade on a boundary closes its minute)."""
    groups: dict[tuple[int, datetime], list[dict[str, Any]]] = defaultdict(list)
    for row in inputs["trades"].iter_rows(named=True):
        t = row["TradeTimestamp"]
        start = t.replace(second=0, microsecond=0)
        groups[(row["ListingId"], start if t == start else start + timedelta(minutes=1))].append(row)
    sides = {"Bid": (2,), "Ask": (1,), "Unknown": None, "Total": "all"}
    out = []
    for (listing, end), rows in groups.items():
        record: dict[str, Any] = {"ListingId": listing, "TimeBucket": end}
        for side, codes in sides.items():
            if codes == "all":
                sizes = [r["Size"] for r in rows]
            elif codes is None:
                sizes = [r["Size"] for r in rows if r["AggressorSide"] not in (1, 2)]
            else:
                sizes = [r["Size"] for r in rows if r["AggressorSide"] in codes]
            record[f"Trade{side}AvgSize"] = math.fsum(sizes) / len(sizes) if sizes else None
        out.append(record)
    return out


def test_matches_a_plain_python_reference(
    basalt_synth_tables: dict[str, pl.DataFrame], basalt_assert_module_matches: Callable[..., Any]
) -> None:
    basalt_assert_module_matches($class_name, {"trades": basalt_synth_tables["trades"]}, _reference)


def test_runs_on_bmlls_sample_rows(
    basalt_sample: dict[str, pl.DataFrame], basalt_run_module: Callable[..., pl.DataFrame]
) -> None:
    out = basalt_run_module($class_name, {"trades": basalt_sample["trades"]})
    assert out.height > 0


def test_the_plugin_registers_the_module(basalt_plugin_manager: Callable[..., Any]) -> None:
    manager = basalt_plugin_manager(plugin, builtins=False)
    assert manager.analytics()["$module"] is $class_name
'''

README = """\
# $dist

A [Basalt](https://github.com/bmll/basalt) analytics plugin. Its module `$module` emits
`Trade{side}AvgSize` (mean trade size per aggressor side: Bid, Ask, Unknown, Total) per listing
and time bucket.

```bash
pip install -e '.[test]'
basalt plugins list                           # shows $package
basalt analytics explain TradeBidAvgSize      # what the column means
pytest                                        # the plugin's own tests
```

Add a metric in `src/$package/metrics.py` (one `@metric` per column family; the docstring is
its definition) and list it in `metric_module(...)` in `src/$package/plugin.py`. Use it in a
pipeline with `modules: [$module]`.
"""

CHANGELOG = """\
# Changelog of $dist

## Unreleased

## 0.1.0

- First version, generated by `basalt plugins new` (bmll-basalt $core_version): the `$module`
  module with the `Trade{side}AvgSize` metric.
"""


def scaffold(name: str, parent: Path) -> Path:
    """Write the plugin distribution ``name`` into ``parent / name``; returns that folder.

    Raises:
        ValueError: ``name`` is not a valid distribution name, or the folder exists and is not empty.
    """
    if not _DIST.match(name):
        raise ValueError(f"{name!r} is not a valid distribution name (letters, digits, '-' and '_')")
    root = parent / name
    if root.exists() and any(root.iterdir()):
        raise ValueError(f"{root} already exists and is not empty")
    package = re.sub(r"[-_]+", "_", name).lower()
    values = {
        "dist": name,
        "package": package,
        "module": package,
        "class_name": "".join(part.title() for part in package.split("_")),
        "core_version": __version__,
    }
    files = {
        "pyproject.toml": PYPROJECT,
        "README.md": README,
        "CHANGELOG.md": CHANGELOG,
        f"src/{package}/__init__.py": INIT,
        f"src/{package}/metrics.py": METRICS,
        f"src/{package}/plugin.py": PLUGIN,
        f"src/{package}/py.typed": "",  # PEP 561: type checkers read the plugin's annotations
        "tests/test_plugin.py": TESTS,
    }
    for path, template in files.items():
        target = root / path
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(Template(template).substitute(values))
    return root


def new_plugin(name: str, directory: Path) -> None:
    """The ``basalt plugins new`` command: scaffold, then say what to run next."""
    try:
        root = scaffold(name, directory)
    except ValueError as exc:
        raise typer.BadParameter(str(exc), param_hint="NAME") from exc
    out = console()
    out.print(f"Created {root}", highlight=False, markup=False)
    next_steps = f"  cd {root} && pip install -e '.[test]' && pytest && basalt plugins list"
    out.print(next_steps, highlight=False, markup=False)
