"""Declarative metrics: write an analytic as one decorated function per column family.

Example:
    >>> import polars as pl
    >>> from basalt.metrics import SIDES, metric, metric_module
    >>> @metric("trades", pattern="Trade{side}Size", unit="shares", params={"side": SIDES})
    ... def trade_size(side):
    ...     \"\"\"Sum of Size over {side.text} in the bucket.\"\"\"
    ...     return pl.col("Size").filter(side.mask).sum()
    >>> TradeSize = metric_module("trade_size", trade_size)
    >>> [doc.name for doc in TradeSize({"side": ["Bid", "Ask"]}).columns()]
    ['TradeBidSize', 'TradeAskSize']
"""

from basalt.metrics.declare import Metric, MetricColumn, metric
from basalt.metrics.module import MetricModule, metric_config, metric_module
from basalt.metrics.params import SIDES, Choice

__all__ = [
    "SIDES",
    "Choice",
    "Metric",
    "MetricColumn",
    "MetricModule",
    "metric",
    "metric_config",
    "metric_module",
]
