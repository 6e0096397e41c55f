"""Modules estimated from trade and order flow: classification, VPIN, trade and L3 characteristics."""

from __future__ import annotations

from basalt import AnalyticModule

MODULES: list[type[AnalyticModule]] = []
