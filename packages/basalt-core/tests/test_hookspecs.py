"""The hook contract: every hook documented, wired into the manager, exported."""

from __future__ import annotations

import inspect

import pluggy

import basalt
from basalt import hookspecs
from basalt.plugins.manager import KIND_HOOKS

SPECS = [name for name, obj in vars(hookspecs).items() if name.startswith("basalt_") and callable(obj)]


def test_the_registration_hooks_exist() -> None:
    assert sorted(SPECS) == sorted(
        [
            "basalt_register_tables",
            "basalt_register_sources",
            "basalt_register_analytics",
            "basalt_register_preprocessors",
            "basalt_register_output_writers",
            "basalt_register_commands",
            "basalt_register_executors",
        ]
    )


def test_every_hook_states_its_contract() -> None:
    for name in SPECS:
        doc = inspect.getdoc(getattr(hookspecs, name)) or ""
        assert "Returns:" in doc, f"{name} does not document its return contract"
        assert "Added in bmll-basalt" in doc, f"{name} does not say in which version it was added"


def test_every_hook_is_served_by_the_facade() -> None:
    assert sorted(KIND_HOOKS.values()) == sorted(SPECS)


def test_hookimpl_marker_is_exported_for_plugin_authors() -> None:
    assert isinstance(basalt.hookimpl, pluggy.HookimplMarker)
    assert basalt.hookimpl.project_name == "basalt"
