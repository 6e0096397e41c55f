"""Aggressive orders from trades: the ``aggressive_orders`` preprocessor and ``aggressive`` analytics."""

from __future__ import annotations

from basalt_preprocessors.aggressive.config import AggressiveConfig
from basalt_preprocessors.aggressive.module import AggressiveOrderStats
from basalt_preprocessors.aggressive.orders import AggressiveOrders

__all__ = ["AggressiveConfig", "AggressiveOrderStats", "AggressiveOrders"]
