"""The BMLL tables: trades-plus, L2, L3, market state, reference, CBBO, imbalance.

Schemas are BMLL's own (``schemas/*.schema.csv``); see BMLL's data dictionary
for the meaning of each column. L3 ``LobAction`` codes in BMLL data: 2 insert,
3 remove, 4 update; executions are the rows with ``OrderExecuted`` true.
"""

from __future__ import annotations

from basalt.tables.base import Table
from basalt.tables.schema import load_schema


class Trades(Table):
    """BMLL Trades-Plus: every trade with its classification and quote context."""

    NAME = "trades"
    SCHEMA = load_schema("trades-plus")
    TIMESTAMP_COLUMN = "TradeTimestamp"
    KEYS = ("ListingId", "TradeTimestamp", "TradeId")
    BMLL_FOLDER, BMLL_PREFIX = "Trades-Plus", "trades-plus"


class L2(Table):
    """BMLL L2: ten-level order-book snapshots after every book change."""

    NAME = "l2"
    SCHEMA = load_schema("l2")
    TIMESTAMP_COLUMN = "EventTimestamp"
    KEYS = ("ListingId", "L2EventNo")
    BMLL_FOLDER, BMLL_PREFIX = "Equity", "l2"


class L3(Table):
    """BMLL L3: every order-book event (insert, remove, update, execution)."""

    NAME = "l3"
    SCHEMA = load_schema("l3")
    TIMESTAMP_COLUMN = "TimestampNanoseconds"
    KEYS = ("ListingId", "EventNo")
    BMLL_FOLDER, BMLL_PREFIX = "Equity-L3", "l3"


class MarketStateTable(Table):
    """BMLL market state: the trading phase of each listing and when it changed."""

    NAME = "marketstate"
    SCHEMA = load_schema("market-state")
    TIMESTAMP_COLUMN = "TimestampNanoseconds"
    DATE_COLUMN = None
    KEYS = ("ListingId", "TimestampNanoseconds", "BMLLSequenceNo")
    BMLL_FOLDER, BMLL_PREFIX = "MarketState", "market-state"


class Reference(Table):
    """BMLL reference data: one row per listing per date (identifiers, MIC, currency)."""

    NAME = "reference"
    SCHEMA = load_schema("reference")
    TIMESTAMP_COLUMN = None
    DATE_COLUMN = "Date"
    KEYS = ("ListingId", "Date")
    BMLL_FOLDER, BMLL_PREFIX = "Reference", "reference"


class CBBO(Table):
    """BMLL CBBO: the consolidated best bid and offer across an instrument's venues."""

    NAME = "cbbo"
    SCHEMA = load_schema("cbbo")
    TIMESTAMP_COLUMN = "EventTimestamp"
    KEYS = ("ListingId", "L2EventNo")
    BMLL_FOLDER, BMLL_PREFIX = "CBBO", "cbbo"


class Imbalance(Table):
    """BMLL auction imbalance: indicative price and paired/imbalance quantity."""

    NAME = "imbalance"
    SCHEMA = load_schema("imbalance")
    TIMESTAMP_COLUMN = "TimestampNanoseconds"
    KEYS = ("ListingId", "BMLLSequenceNo")
    BMLL_FOLDER, BMLL_PREFIX = "Imbalance", "imbalance"


BMLL_TABLES: tuple[type[Table], ...] = (Trades, L2, L3, MarketStateTable, Reference, CBBO, Imbalance)
"""Every built-in table, in the order ``basalt data describe`` lists them."""
