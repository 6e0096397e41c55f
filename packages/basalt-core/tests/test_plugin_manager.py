"""The plugin manager: discovery, isolation of broken plugins, conflicts, blocking."""

from __future__ import annotations

import sys
import types
from collections.abc import Callable

import polars as pl
import pytest

from basalt import AnalyticModule, ColumnDoc, Table, hookimpl
from basalt.plugins import PluginConflictError, PluginManager, UnknownNameError
from basalt.testing import make_plugin_manager


def _analytics_plugin(name: str, module_name: str) -> types.ModuleType:
    """A plugin module registering one analytics module called ``name``."""

    class Module(AnalyticModule):
        """A test module."""

        NAME = name

        def columns(self) -> list[ColumnDoc]:
            return [ColumnDoc("X", unit="count", definition="A count.")]

        def compute(self, inputs, buckets):  # pragma: no cover - never run here
            return pl.LazyFrame()

    plugin = types.ModuleType(module_name)

    @hookimpl
    def basalt_register_analytics() -> list[type[AnalyticModule]]:
        return [Module]

    plugin.basalt_register_analytics = basalt_register_analytics
    return plugin


def test_builtins_register_through_the_same_hooks() -> None:
    manager = make_plugin_manager()
    builtins = {info.name: info for info in manager.plugins()}
    assert set(builtins) == {
        "basalt.builtin.commands",
        "basalt.builtin.tables",
        "basalt.builtin.sources",
        "basalt.builtin.writers",
        "basalt.builtin.analytics",
        "basalt.builtin.executors",
    }
    for info in builtins.values():
        assert info.builtin
        assert info.distribution == "bmll-basalt"
        assert info.error is None
    assert builtins["basalt.builtin.commands"].hooks == ["basalt_register_commands"]
    assert builtins["basalt.builtin.tables"].hooks == ["basalt_register_tables"]
    assert set(manager.commands()) == {"plugins", "analytics", "pipeline", "data", "job", "runs", "demo"}
    assert list(manager.executors()) == ["local", "ec2"]
    assert list(manager.sources()) == ["local", "s3", "bmll"]
    assert "parquet" in manager.output_writers()
    assert list(manager.tables()) == ["trades", "l2", "l3", "marketstate", "reference", "cbbo", "imbalance"]


def test_a_registered_module_is_served_by_name_with_its_owner() -> None:
    manager = make_plugin_manager(builtins=False, mine=_analytics_plugin("my_metric", "mine"))
    registry = manager.analytics()
    assert list(registry) == ["my_metric"]
    assert registry["my_metric"].NAME == "my_metric"
    assert registry.owner("my_metric").name == "mine"
    info = next(info for info in manager.plugins() if info.name == "mine")
    assert info.provides == {"analytics": ["my_metric"]}
    assert info.hooks == ["basalt_register_analytics"]


def test_duplicate_names_fail_naming_both_plugins() -> None:
    manager = make_plugin_manager(
        builtins=False, first=_analytics_plugin("vwap", "first"), second=_analytics_plugin("vwap", "second")
    )
    with pytest.raises(PluginConflictError) as excinfo:
        manager.analytics()
    message = str(excinfo.value)
    assert "'vwap'" in message
    assert "plugin 'first'" in message
    assert "plugin 'second'" in message
    assert "BASALT_DISABLE_PLUGINS=second" in message
    # Listing never raises: both plugins carry the conflict.
    errors = {info.name: info.error for info in manager.plugins()}
    assert "registered twice" in errors["first"]
    assert "registered twice" in errors["second"]


def test_misspelled_hook_is_rejected_with_a_suggestion() -> None:
    plugin = types.ModuleType("typo")

    @hookimpl
    def basalt_register_analytic() -> list[type[AnalyticModule]]:  # missing "s"
        return []

    plugin.basalt_register_analytic = basalt_register_analytic
    manager = make_plugin_manager(builtins=False, typo=plugin, good=_analytics_plugin("fine", "good"))
    infos = {info.name: info for info in manager.plugins()}
    assert "unknown hook 'basalt_register_analytic'" in infos["typo"].error
    assert "did you mean 'basalt_register_analytics'" in infos["typo"].error
    assert infos["typo"].hooks == []
    # The healthy plugin registered after it is unaffected.
    assert list(manager.analytics()) == ["fine"]


def test_hookimpl_with_arguments_the_spec_lacks_is_rejected() -> None:
    plugin = types.ModuleType("args")

    @hookimpl
    def basalt_register_tables(config: object) -> list[type[Table]]:
        return []

    plugin.basalt_register_tables = basalt_register_tables
    (info,) = [i for i in make_plugin_manager(builtins=False, args=plugin).plugins() if i.name == "args"]
    assert "failed to register" in info.error
    assert "config" in info.error


def test_a_hook_that_raises_is_recorded_and_others_still_register() -> None:
    plugin = types.ModuleType("raiser")

    @hookimpl
    def basalt_register_analytics() -> list[type[AnalyticModule]]:
        raise RuntimeError("database unreachable")

    plugin.basalt_register_analytics = basalt_register_analytics
    manager = make_plugin_manager(builtins=False, raiser=plugin, good=_analytics_plugin("fine", "good"))
    assert list(manager.analytics()) == ["fine"]
    (info,) = [i for i in manager.plugins() if i.name == "raiser"]
    assert info.error == "basalt_register_analytics() raised RuntimeError: database unreachable"


@pytest.mark.parametrize(
    ("returned", "expected"),
    [
        (None, "returned NoneType; it must return a list"),
        ([int], "expected a subclass of basalt.AnalyticModule"),
    ],
)
def test_malformed_registrations_are_reported(returned: object, expected: str) -> None:
    plugin = types.ModuleType("bad")

    @hookimpl
    def basalt_register_analytics() -> object:
        return returned

    plugin.basalt_register_analytics = basalt_register_analytics
    manager = make_plugin_manager(builtins=False, bad=plugin)
    assert len(manager.analytics()) == 0
    (info,) = [i for i in manager.plugins() if i.name == "bad"]
    assert expected in info.error


def test_names_must_be_lower_case_identifiers() -> None:
    plugin = _analytics_plugin("Bad-Name", "caps")
    manager = make_plugin_manager(builtins=False, caps=plugin)
    assert len(manager.analytics()) == 0
    (info,) = [i for i in manager.plugins() if i.name == "caps"]
    assert "NAME is 'Bad-Name'" in info.error


def test_unknown_name_suggests_close_matches_and_add_ons() -> None:
    manager = make_plugin_manager(builtins=False, mine=_analytics_plugin("trade_vwap", "mine"))
    with pytest.raises(UnknownNameError, match=r"Did you mean 'trade_vwap'\?"):
        manager.analytics()["trade_vwp"]
    with pytest.raises(UnknownNameError, match=r"pip install 'bmll-basalt\[alpha101\]'"):
        manager.analytics()["alpha101"]


def test_entry_points_are_discovered_with_distribution_and_version(
    fake_distribution: Callable[..., str], analytics_plugin_source: Callable[[str], str]
) -> None:
    fake_distribution("acme-basalt-metrics", "acme", analytics_plugin_source("acme_count"), version="2.5.0")
    manager = PluginManager(disabled=())
    info = next(info for info in manager.plugins() if info.name == "acme")
    assert (info.distribution, info.version, info.error) == ("acme-basalt-metrics", "2.5.0", None)
    assert info.provides == {"analytics": ["acme_count"]}
    assert manager.analytics().owner("acme_count").distribution == "acme-basalt-metrics"


def test_a_plugin_that_fails_to_import_is_recorded_not_raised(
    fake_distribution: Callable[..., str],
) -> None:
    fake_distribution("acme-broken", "broken", "import module_that_is_not_there\n")
    fake_distribution("acme-exits", "exits", "import sys\nsys.exit(3)\n")
    infos = {info.name: info for info in PluginManager(disabled=()).plugins()}
    assert "ModuleNotFoundError" in infos["broken"].error
    assert "module_that_is_not_there" in infos["broken"].error
    assert "SystemExit" in infos["exits"].error


def test_disabled_plugins_are_never_imported(
    fake_distribution: Callable[..., str],
    analytics_plugin_source: Callable[[str], str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    module = fake_distribution("acme-blocked", "blocked", analytics_plugin_source("blocked_metric"))
    monkeypatch.setenv("BASALT_DISABLE_PLUGINS", " other , blocked")
    manager = PluginManager()
    info = next(info for info in manager.plugins() if info.name == "blocked")
    assert info.disabled
    assert info.error is None
    assert module not in sys.modules
    assert "blocked_metric" not in manager.analytics()


def test_plugins_can_be_disabled_by_distribution_name(
    fake_distribution: Callable[..., str], analytics_plugin_source: Callable[[str], str]
) -> None:
    fake_distribution("acme-dist", "acme", analytics_plugin_source("acme_metric"))
    manager = PluginManager(disabled=["ACME_dist"])
    assert "acme_metric" not in manager.analytics()


def test_duplicate_across_distributions_names_both_distributions(
    fake_distribution: Callable[..., str], analytics_plugin_source: Callable[[str], str]
) -> None:
    fake_distribution("acme-one", "one", analytics_plugin_source("spread"))
    fake_distribution("acme-two", "two", analytics_plugin_source("spread"))
    with pytest.raises(PluginConflictError) as excinfo:
        PluginManager(disabled=()).analytics()
    assert "distribution acme-one 1.2.3" in str(excinfo.value)
    assert "distribution acme-two 1.2.3" in str(excinfo.value)


def test_a_wrapper_hook_wraps_the_registration_hook() -> None:
    """Hooks are called through pluggy: a ``wrapper=True`` implementation sees and edits the results."""
    seen: list[list[str]] = []
    extra = _analytics_plugin("added_by_wrapper", "extra_source")

    class Curator:
        @hookimpl(wrapper=True)
        def basalt_register_analytics(self):  # type: ignore[no-untyped-def]
            results = yield
            seen.append(sorted(cls.NAME for result in results for cls in result))
            kept = [[cls for cls in result if cls.NAME != "dropped"] for result in results]
            return [*kept, extra.basalt_register_analytics()]

    manager = make_plugin_manager(
        builtins=False,
        keep=_analytics_plugin("kept", "keep_mod"),
        drop=_analytics_plugin("dropped", "drop_mod"),
        curator=Curator(),
    )
    registry = manager.analytics()
    assert seen == [["dropped", "kept"]]
    assert sorted(registry) == ["added_by_wrapper", "kept"]
    assert registry.owner("kept").name == "keep"
    assert registry.owner("added_by_wrapper").name == "curator"  # what a wrapper adds is its own
    assert {info.name: info.error for info in manager.plugins()}["curator"] is None


def test_tryfirst_decides_which_registration_wins_a_clash_when_not_strict() -> None:
    class Early:
        @hookimpl(tryfirst=True)
        def basalt_register_analytics(self):  # type: ignore[no-untyped-def]
            return _analytics_plugin("vwap", "early_mod").basalt_register_analytics()

    manager = make_plugin_manager(builtins=False, plain=_analytics_plugin("vwap", "plain_mod"), early=Early())
    # Load order alone would let 'plain' win (registered first); tryfirst puts 'early' ahead.
    assert manager.analytics(strict=False).owner("vwap").name == "early"
    names = [name for name in manager.analytics(strict=False)]
    assert names == ["vwap"]


def test_a_failing_wrapper_is_recorded_and_the_hook_still_answers() -> None:
    class Broken:
        @hookimpl(wrapper=True)
        def basalt_register_analytics(self):  # type: ignore[no-untyped-def]
            yield
            raise RuntimeError("wrapper broke")

    manager = make_plugin_manager(builtins=False, one=_analytics_plugin("one", "one_mod"), broken=Broken())
    assert list(manager.analytics()) == ["one"]
    assert (
        "wrapper raised RuntimeError: wrapper broke" in {i.name: i.error for i in manager.plugins()}["broken"]
    )


def test_a_manager_is_rebuilt_from_its_plugin_set() -> None:
    import basalt.builtin.analytics as builtin_analytics

    manager = make_plugin_manager(builtins=False, extra=builtin_analytics)
    # A module is shipped by its import path; the rebuilt manager serves the same registry.
    plugin_set = manager.plugin_set()
    assert [(s.name, s.origin, s.reference) for s in plugin_set.plugins] == [
        ("extra", "code", "basalt.builtin.analytics")
    ]
    rebuilt = plugin_set.build()
    assert list(rebuilt.analytics()) == list(manager.analytics())
    assert len(rebuilt.analytics()) > 3
