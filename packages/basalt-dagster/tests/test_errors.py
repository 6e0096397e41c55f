"""A bad pipeline fails when definitions load, a broken plugin when a step runs; both name the pass."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import dagster as dg
import pytest

from basalt.engine import ConfigError
from basalt.testing import make_plugin_manager
from basalt_dagster import PassFailedError, build_definitions

BROKEN_PASS = """
  - name: probe
    modules: [broken_probe]
"""


def test_a_bad_pipeline_is_refused_naming_the_pass(
    tmp_path: Path, lake: Path, demo_writer: Callable[..., Path]
) -> None:
    pipeline = demo_writer(tmp_path, lake)
    pipeline.write_text(pipeline.read_text().replace("default_weight: TradeTotalVolume", "default_weigth: x"))
    with pytest.raises(ConfigError) as caught:
        build_definitions(pipeline, plugins=make_plugin_manager())
    message = str(caught.value)
    assert "PASSES[1]" in message
    assert "reaggregate" in message
    assert "default_weigth" in message


def test_a_broken_plugin_fails_the_step_naming_the_pass(
    tmp_path: Path, lake: Path, demo_writer: Callable[..., Path], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.syspath_prepend(str(Path(__file__).parent))  # the plugin must import by reference
    import broken_plugin

    pipeline = demo_writer(tmp_path, lake, extra=BROKEN_PASS)
    defs = build_definitions(pipeline, plugins=make_plugin_manager(broken_plugin))
    result = dg.materialize(
        list(defs.assets),
        partition_key=dg.MultiPartitionKey({"date": "2026-01-05", "universe": "all"}),
        resources=defs.resources,
        raise_on_error=False,
    )
    assert not result.success
    failures = result.get_step_failure_events()
    assert len(failures) == 1
    error = failures[0].step_failure_data.error
    assert error.cause is not None
    assert error.cause.cls_name == PassFailedError.__name__
    assert error.cause.message.startswith(
        "basalt_dagster.assets.PassFailedError: Basalt pass 'probe' of demo failed for date=2026-01-05 "
        "universe=all: RuntimeError: broken_probe cannot compute"
    )
    assert not result.get_asset_materialization_events()  # nothing reported as materialised
