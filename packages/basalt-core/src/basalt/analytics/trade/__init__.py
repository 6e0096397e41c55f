"""The ``trade`` analytics module (trades-plus → per-bucket trade analytics)."""

from basalt.analytics.trade.config import CLASSIFICATION_PRESETS, TradeConfig
from basalt.analytics.trade.module import TradeModule

__all__ = ["CLASSIFICATION_PRESETS", "TradeConfig", "TradeModule"]
