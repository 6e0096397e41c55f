"""The real BMLL sample rows go through both modules, which agree with the reference (no iceberg there)."""

from __future__ import annotations

from reference_icebergs import reference_detect

from basalt.testing import run_module
from basalt_preprocessors.icebergs.metrics import IcebergMetrics
from basalt_preprocessors.icebergs.module import Icebergs
from bmll_sample import sample_frame


def test_sample_rows_run_through_both_modules() -> None:
    l3 = sample_frame("l3")
    table = run_module(Icebergs, {"l3": l3})
    assert table.to_dicts() == reference_detect(l3)
    metrics = run_module(IcebergMetrics, {"l3": l3})
    # one execution in the sample (400 @ 99.70, ask side), against no iceberg
    assert metrics.select("IcebergExecutedVolume", "IcebergVolumeShare", "IcebergCount").rows() == [
        (0, 0.0, 0)
    ]
    for config in ({"continuous_only": True}, {"hidden_executions": False}, {"refill_delay_ns": 0}):
        assert run_module(Icebergs, {"l3": l3}, config=config).height == 0
