"""The matching engine on hand-made books: price-time priority, routing, auction uncrossing."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from basalt.synth import book_ops as b
from basalt.synth import matching as m
from basalt.synth.book_ops import ASK, BID

WIDTH, ORDERS, ROWS, TRADES = 64, 64, 256, 64


@dataclass
class Market:
    """Flat kernel state for a few venues with a small price window."""

    venues: int

    def __post_init__(self) -> None:
        lv = np.zeros((self.venues, 2, WIDTH, 4), dtype=np.int64)
        lv[..., 2:] = -1
        self.lv = lv.reshape(-1)
        vm = np.zeros((self.venues, b.N_VM), dtype=np.int64)
        vm[:, b.VM_BEST_BID], vm[:, b.VM_BEST_ASK], vm[:, b.VM_PHASE] = -1, WIDTH, m.PH_CONTINUOUS
        self.vm = vm.reshape(-1)
        self.live = np.zeros(self.venues * ORDERS, dtype=np.int64)
        self.ob = np.zeros(ORDERS * b.OB, dtype=np.int64)
        self.free = np.arange(ORDERS - 1, -1, -1, dtype=np.int64)
        self.g = np.zeros(b.N_G, dtype=np.int64)
        self.g[b.G_NFREE] = ORDERS
        self.rows = np.zeros(b.N_ROW_FIELDS * ROWS, dtype=np.int64)
        self.trades = np.zeros(m.N_TRADE_FIELDS * TRADES, dtype=np.int64)
        self.dims = (WIDTH, ORDERS, ROWS, TRADES, 1, 1, self.venues)  # same shape as the engine's

    def add(self, venue: int, side: int, price: int, size: int) -> None:
        b.insert(
            self.lv,
            self.vm,
            self.live,
            self.ob,
            self.free,
            self.g,
            self.rows,
            self.dims,
            0,
            venue,
            side,
            price,
            size,
        )

    def best(self, venue: int, side: int) -> int:
        return int(self.vm[venue * b.N_VM + side])

    def row(self, field: int) -> list[int]:
        return self.rows[field * ROWS : field * ROWS + self.g[b.G_ROWS]].tolist()

    def trade(self, field: int) -> list[int]:
        return self.trades[field * TRADES : field * TRADES + self.g[b.G_TRADES]].tolist()


def test_a_sweep_fills_by_price_then_time_and_prints_one_trade_per_fill() -> None:
    market = Market(1)
    market.add(0, ASK, 30, 100)  # first at 30
    market.add(0, ASK, 31, 50)
    market.add(0, ASK, 30, 200)  # second at 30
    left = m.match(
        market.lv, market.vm, market.live, market.ob, market.free, market.g, market.rows, market.trades,
        market.dims, 1, 0, BID, 31, 320,
    )  # fmt: skip
    assert left == 0
    assert market.trade(m.T_PX) == [30, 30, 31]
    assert market.trade(m.T_SZ) == [100, 200, 20]
    assert market.trade(m.T_AGGR) == [1, 1, 1]
    assert market.trade(m.T_BA) == [30, 30, 30]  # the quote before the order, on every fill
    assert market.best(0, ASK) == 31
    executed = market.row(b.R_EXEC)[3:]
    assert executed == [1, 1, 1]
    assert market.row(b.R_ACTION)[3:] == [b.REMOVE, b.REMOVE, b.UPDATE]  # the last fill is partial
    assert market.row(b.R_SZ)[-1] == 30


def test_queue_position_fields_of_an_insert() -> None:
    market = Market(1)
    market.add(0, BID, 20, 10)
    market.add(0, BID, 19, 5)
    market.add(0, BID, 20, 7)
    market.add(0, BID, 19, 3)  # behind 10 + 7 at the better price and 5 at its own
    assert market.row(b.R_SZAHEAD)[-1] == 22
    assert market.row(b.R_NAHEAD)[-1] == 3
    assert market.row(b.R_LVL)[-1] == 2
    assert market.row(b.R_OLDLVL) == [0, 0, 1, 2]  # 0: the level did not exist before


def test_an_aggressive_order_is_routed_to_the_best_venue() -> None:
    market = Market(3)
    market.add(0, ASK, 31, 100)
    market.add(1, ASK, 30, 10)
    market.add(2, ASK, 30, 50)
    assert m.consolidated_best(market.vm, 3, ASK, WIDTH) == 30
    assert m.route(market.lv, market.vm, 3, WIDTH, ASK, 0) == 2  # best price, then largest size
    assert m.route(market.lv, market.vm, 3, WIDTH, ASK, 1) == 1  # ... unless the home venue is at the best
    market.vm[2 * b.N_VM + b.VM_PHASE] = 1  # venue 2 goes into an auction: it no longer counts
    assert m.route(market.lv, market.vm, 3, WIDTH, ASK, 0) == 1


def test_the_uncross_maximises_volume_then_minimises_imbalance() -> None:
    market = Market(1)
    for price, size in ((33, 100), (32, 100), (31, 300)):
        market.add(0, BID, price, size)
    for price, size in ((30, 150), (31, 100), (32, 200)):
        market.add(0, ASK, price, size)
    # Demand at 31: 500, supply 250 -> 250; at 32: 200 vs 450 -> 200; at 30: 500 vs 150 -> 150.
    price, paired, imbalance, side = m.indicative_uncross(market.lv, market.vm, WIDTH, 0, 31.0)
    assert (price, paired, imbalance, side) == (31, 250, 250, 1)
    m.uncross(
        market.lv, market.vm, market.live, market.ob, market.free, market.g, market.rows, market.trades,
        market.dims, 7, 0, 31.0, 1,
    )  # fmt: skip
    assert market.g[b.G_TRADES] == 1
    assert market.trade(m.T_SZ) == [250]
    assert market.trade(m.T_PX) == [31]
    assert market.best(0, BID) == 31
    assert market.best(0, ASK) == 32
    fills = [s for s, e in zip(market.row(b.R_EXSZ), market.row(b.R_EXEC), strict=True) if e]
    assert sum(fills) == 500  # 250 on each side
