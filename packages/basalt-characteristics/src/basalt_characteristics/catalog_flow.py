"""Modules estimated from trade and order flow: classification, VPIN, trade and L3 characteristics."""

from __future__ import annotations

from basalt import AnalyticModule
from basalt_characteristics.classification import ClassificationModule
from basalt_characteristics.l3_lifecycle import L3CharacteristicsModule
from basalt_characteristics.trades import TradeCharacteristicsModule
from basalt_characteristics.vpin import VPINModule

MODULES: list[type[AnalyticModule]] = [
    ClassificationModule,
    VPINModule,
    TradeCharacteristicsModule,
    L3CharacteristicsModule,
]
