"""Observable source assets of the input tables and the sensor requesting partitions whose inputs exist."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import dagster as dg
import pytest

from basalt.testing import make_plugin_manager
from basalt_dagster import build_definitions


@pytest.fixture(scope="module")
def defs(
    tmp_path_factory: pytest.TempPathFactory, lake: Path, demo_writer: Callable[..., Path]
) -> dg.Definitions:
    """The demo pipeline over 2026-01-05..07: the lake holds files for the 5th and 6th only."""
    pipeline = demo_writer(tmp_path_factory.mktemp("sources"), lake)
    pipeline.write_text(pipeline.read_text().replace("END_DATE: 2026-01-06", "END_DATE: 2026-01-07"))
    return build_definitions(pipeline, plugins=make_plugin_manager(), universes=["mic=XLON", "mic=BATE"])


def test_one_observable_source_per_input_table(defs: dg.Definitions) -> None:
    graph = defs.resolve_asset_graph()
    sources = sorted(
        k.path[-1] for k in graph.get_all_asset_keys() if k.path[:3] == ["basalt", "demo", "source"]
    )
    assert sources == ["l2", "marketstate", "reference", "trades"]  # l2 keeps continuous trading only
    assert all(graph.get(dg.AssetKey(["basalt", "demo", "source", s])).is_observable for s in sources)


def test_the_sensor_requests_the_dates_whose_inputs_exist(defs: dg.Definitions) -> None:
    repository = defs.get_repository_def()
    sensor = repository.get_sensor_def("basalt__demo__inputs_sensor")
    assert sensor.default_status == dg.DefaultSensorStatus.STOPPED
    with dg.DagsterInstance.ephemeral() as instance:
        context = dg.build_sensor_context(instance=instance, repository_def=repository)
        requests = sensor.evaluate_tick(context).run_requests or []
    keys = sorted(r.partition_key for r in requests)
    assert keys == [
        "2026-01-05|mic=BATE",
        "2026-01-05|mic=XLON",
        "2026-01-06|mic=BATE",
        "2026-01-06|mic=XLON",
    ]
    # The run key holds the inputs' digest: the same files give the same keys, the two days differ.
    assert len({r.run_key for r in requests}) == 4
    digests = {r.partition_key.split("|")[0]: r.run_key.rsplit(":", 1)[1] for r in requests}
    assert digests["2026-01-05"] != digests["2026-01-06"]
