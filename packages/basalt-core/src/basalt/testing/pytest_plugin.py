"""pytest plugin (entry point ``pytest11``) with fixtures for Basalt plugin authors.

Fixtures:
    basalt_plugin_manager: a factory, ``basalt_plugin_manager(my_plugin)``,
        returning a manager with the built-ins and the given plugins only.
    basalt_run_module: :func:`basalt.testing.run_module`, to run a module on
        small frames and check its columns are documented.
    basalt_assert_module_matches: :func:`basalt.testing.assert_module_matches`,
        module output vs an independent reference, column by column.
    basalt_sample: BMLL's real sample rows, table name → DataFrame (one XLON
        listing, 2026-01-02).
    basalt_sample_lake: those rows written as a lake (BMLL layout) in a temporary folder.
    basalt_synth_lake: a small synthetic lake (2 listings, XLON, 2026-01-05), once per session.
    basalt_synth_tables: the same day of every table in memory, table name → DataFrame.
    basalt_s3_server: a real S3 endpoint (moto's server) on 127.0.0.1 for the
        test session, stopped by PID afterwards (needs ``moto[server]`` and boto3).
    basalt_postgres_server: a throwaway PostgreSQL on 127.0.0.1 for the session
        (or ``BASALT_TEST_POSTGRES_URL``'s); skipped when PostgreSQL is not installed.

Kept import-light: pytest loads this module in every session where Basalt is
installed.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest


@pytest.fixture
def basalt_plugin_manager() -> Callable[..., Any]:
    """Factory for a plugin manager holding only the plugins a test chooses."""
    from basalt.testing import make_plugin_manager

    return make_plugin_manager


@pytest.fixture
def basalt_run_module() -> Callable[..., Any]:
    """Run a module on in-memory frames (see :func:`basalt.testing.run_module`)."""
    from basalt.testing import run_module

    return run_module


@pytest.fixture
def basalt_assert_module_matches() -> Callable[..., Any]:
    """Compare a module's output with a reference (see :func:`basalt.testing.assert_module_matches`)."""
    from basalt.testing import assert_module_matches

    return assert_module_matches


@pytest.fixture
def basalt_sample() -> dict[str, Any]:
    """BMLL's real sample rows: table name → DataFrame (a fresh copy per test)."""
    from basalt.testing import sample_tables

    return sample_tables()


@pytest.fixture
def basalt_sample_lake(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The sample rows written as a one-day lake in BMLL's layout (XLON, 2026-01-02)."""
    from basalt.sources.layout import write_partition
    from basalt.tables.bmll import BMLL_TABLES
    from basalt.testing import SAMPLE_DAY, SAMPLE_MIC, sample_frame

    root = tmp_path_factory.mktemp("basalt-sample-lake")
    for table in BMLL_TABLES:
        write_partition(sample_frame(table.NAME), root, table, SAMPLE_MIC, SAMPLE_DAY, "bmll")
    return root


@pytest.fixture(scope="session")
def basalt_synth_lake(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A small synthetic lake: every table, 2 listings on XLON, 2026-01-05 (shared by the session)."""
    from basalt.testing import synth_lake

    return synth_lake(tmp_path_factory.mktemp("basalt-synth-lake"))


@pytest.fixture(scope="session")
def basalt_synth_tables() -> dict[str, Any]:
    """The synthetic day of :func:`basalt_synth_lake`, table name → DataFrame, in memory."""
    from basalt.testing import synth_tables

    return synth_tables()


@pytest.fixture(scope="session")
def basalt_s3_server() -> Iterator[Any]:
    """A real S3 endpoint on 127.0.0.1 (:class:`basalt.testing.servers.S3Server`)."""
    pytest.importorskip("moto.server", reason="needs moto[server]")
    from basalt.testing.servers import moto_s3_server

    with moto_s3_server() as server:
        yield server


@pytest.fixture(scope="session")
def basalt_postgres_server() -> Iterator[Any]:
    """A throwaway PostgreSQL on 127.0.0.1 (:class:`basalt.testing.postgres.PostgresServer`)."""
    pytest.importorskip("psycopg", reason="needs psycopg[binary]")
    from basalt.testing.postgres import PostgresUnavailableError, postgres_server

    with contextlib.ExitStack() as stack:
        try:
            server = stack.enter_context(postgres_server())
        except PostgresUnavailableError as exc:
            pytest.skip(f"no PostgreSQL server: {exc}")
        yield server
