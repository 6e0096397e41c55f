"""Basalt plugin of bmll-basalt-preprocessors: derived tables and the analytics over them.

Only hook implementations live here. Each module is registered by name and import
path (:class:`basalt.Deferred`) and imported only when a pipeline uses it: the
replay kernels (Numba) are never loaded by a pipeline that does not replay books.
The catalogues (``catalog_books``, ``catalog_cbbo``, ``catalog_icebergs``) hold the
classes themselves; a test keeps the two in step.
"""

from __future__ import annotations

from basalt import hookimpl
from basalt.plugins.deferred import Deferred


@hookimpl
def basalt_register_preprocessors() -> list[Deferred]:
    """Preprocessors: books replayed from L3, consolidated books, aggressive orders, icebergs."""
    return [
        Deferred("l2_from_l3", "basalt_preprocessors.replay.module:L2FromL3"),
        Deferred("cbbo", "basalt_preprocessors.cbbo.consolidate:ConsolidatedBook"),
        Deferred("aggressive_orders", "basalt_preprocessors.aggressive.orders:AggressiveOrders"),
        Deferred("iceberg", "basalt_preprocessors.icebergs.module:Icebergs"),
    ]


@hookimpl
def basalt_register_analytics() -> list[Deferred]:
    """Analytics over the derived tables (consolidated-book shares, aggressive orders, icebergs)."""
    return [
        Deferred("cbbo_venue", "basalt_preprocessors.cbbo.venue:CBBOVenue"),
        Deferred("aggressive", "basalt_preprocessors.aggressive.module:AggressiveOrderStats"),
        Deferred("iceberg_metrics", "basalt_preprocessors.icebergs.metrics:IcebergMetrics"),
    ]
