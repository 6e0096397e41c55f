"""pytest plugin (entry point ``pytest11``) with fixtures for Basalt plugin authors.

Fixtures:
    basalt_plugin_manager: a factory, ``basalt_plugin_manager(my_plugin)``,
        returning a manager with the built-ins and the given plugins only.
    basalt_run_module: :func:`basalt.testing.run_module`, to run a module on
        small frames and check its columns are documented.
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
