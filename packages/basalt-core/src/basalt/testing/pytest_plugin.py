"""pytest plugin (entry point ``pytest11``) with fixtures for Basalt plugin authors.

Fixtures:
    basalt_plugin_manager: a factory, ``basalt_plugin_manager(my_plugin)``,
        returning a manager with the built-ins and the given plugins only.
    basalt_run_module: :func:`basalt.testing.run_module`, to run a module on
        small frames and check its columns are documented.

Kept import-light: pytest loads this module in every session where Basalt is
installed.
"""

from __future__ import annotations

from collections.abc import Callable
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
