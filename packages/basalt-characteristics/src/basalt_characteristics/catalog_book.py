"""Modules estimated from quotes and prices: OFI, micro-price, volatility, liquidity."""

from __future__ import annotations

from basalt import AnalyticModule

MODULES: list[type[AnalyticModule]] = []
