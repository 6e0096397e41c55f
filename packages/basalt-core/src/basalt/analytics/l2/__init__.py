"""Order-book (L2) analytics: ``l2`` (last snapshot in each bucket) and ``l2tw`` (time-weighted).

Both read BMLL's ``l2`` table and share the per-snapshot measures of
:mod:`basalt.analytics.l2.measures`; their configurations are in
:mod:`basalt.analytics.l2.config`.
"""

from __future__ import annotations

from basalt.analytics.l2.config import L2Config, L2TWConfig
from basalt.analytics.l2.last import L2Last
from basalt.analytics.l2.time_weighted import L2TimeWeighted

__all__ = ["L2Config", "L2Last", "L2TWConfig", "L2TimeWeighted"]
