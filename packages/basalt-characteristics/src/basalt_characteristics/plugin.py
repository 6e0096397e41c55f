"""Basalt plugin of bmll-basalt-characteristics: microstructure analytics.

Only hook implementations live here. Each module is registered by name and import
path (:class:`basalt.Deferred`) and imported only when a pipeline uses it, so
listing plugins or running another module never pays for them. The catalogues
(``catalog_book``, ``catalog_flow``) hold the classes themselves; a test keeps the
two in step.
"""

from __future__ import annotations

from basalt import hookimpl
from basalt.plugins.deferred import Deferred


@hookimpl
def basalt_register_analytics() -> list[Deferred]:
    """Characteristics modules: book-based estimators, trade- and order-flow ones, then bars."""
    return [
        # catalog_book
        Deferred("ofi", "basalt_characteristics.ofi:OFI"),
        Deferred("microprice", "basalt_characteristics.microprice:MicroPrice"),
        Deferred("volatility", "basalt_characteristics.volatility:Volatility"),
        Deferred("liquidity", "basalt_characteristics.liquidity:Liquidity"),
        # catalog_flow
        Deferred("classification", "basalt_characteristics.classification:ClassificationModule"),
        Deferred("vpin", "basalt_characteristics.vpin:VPINModule"),
        Deferred("trade_characteristics", "basalt_characteristics.trades:TradeCharacteristicsModule"),
        Deferred("l3_characteristics", "basalt_characteristics.l3_lifecycle:L3CharacteristicsModule"),
        Deferred("bars", "basalt_characteristics.bars:BarsModule"),
    ]
