"""The ``l3`` analytics module (BMLL L3 order events → per-bucket order-flow analytics)."""

from basalt.analytics.l3.config import L3Config
from basalt.analytics.l3.module import L3Module

__all__ = ["L3Config", "L3Module"]
