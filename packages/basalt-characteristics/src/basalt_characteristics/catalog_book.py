"""Modules estimated from quotes and prices: OFI, micro-price, volatility, liquidity."""

from __future__ import annotations

from basalt import AnalyticModule
from basalt_characteristics.liquidity import Liquidity
from basalt_characteristics.microprice import MicroPrice
from basalt_characteristics.ofi import OFI
from basalt_characteristics.volatility import Volatility

MODULES: list[type[AnalyticModule]] = [OFI, MicroPrice, Volatility, Liquidity]
