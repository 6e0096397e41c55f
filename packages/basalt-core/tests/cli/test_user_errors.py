"""User errors anywhere in the CLI end in one clean ``error: …`` line and an exit code, no traceback.

``--debug`` (anywhere on the line) or ``BASALT_DEBUG=1`` shows the traceback instead.
"""

from __future__ import annotations

import types
from pathlib import Path

import pytest
import typer
from typer.testing import CliRunner

from basalt import hookimpl
from basalt.cli import build_app, main
from basalt.engine.errors import ConfigError
from basalt.plugins import addons
from basalt.testing import make_plugin_manager

PIPELINE = """
START_DATE: 2026-01-05
END_DATE: 2026-01-06
DATASETNAME: errs
SOURCE: {{type: local, root: lake}}
OUTPUT_TARGET: {{type: parquet, root: out{path}}}
PASSES:
  - name: bars
    modules: [trade, l2]
    module_configs: {{l2: {{levels: 2}}}}
"""


def invoke(*args: str, manager=None, env: dict[str, str] | None = None):
    manager = manager or make_plugin_manager()
    return CliRunner().invoke(build_app(manager), list(args), obj=manager, env=env)


def write(folder: Path, text: str = PIPELINE, name: str = "p.yaml", **fields: str) -> Path:
    (folder / "lake" / "trades").mkdir(parents=True, exist_ok=True)  # a (hive) lake, empty
    path = folder / name
    path.write_text(text.format(path=fields.get("path", "")))
    return path


def assert_clean(result, code: int, *needles: str) -> None:
    assert result.exit_code == code, result.output
    assert "Traceback" not in result.output
    assert result.output.lstrip().startswith("error:"), result.output
    for needle in needles:
        assert needle in result.output, result.output


def test_an_output_path_escaping_the_root_is_refused_by_validate_and_run(tmp_path: Path) -> None:
    path = write(tmp_path, path=', path: "../{datasetname}"')
    for args in (("pipeline", "validate", str(path)), ("pipeline", "run", "-p", str(path), "--dry-run")):
        assert_clean(invoke(*args), 2, "OUTPUT_TARGET.path", "escapes the output root")


def test_describe_an_unknown_table_names_the_known_ones(tmp_path: Path) -> None:
    result = invoke("data", "describe", "--source", str(tmp_path), "--date", "2026-01-05", "--table", "trade")
    assert_clean(result, 1, "'trade'", "Did you mean 'trades'?", "marketstate, reference, trades")


def test_analytics_list_with_a_bad_or_missing_pipeline_file(tmp_path: Path) -> None:
    bad = tmp_path / "BAD.yaml"
    bad.write_text("START_DATE: [\n")
    assert_clean(invoke("analytics", "list", "--pipeline", str(bad)), 2, "not valid YAML", str(bad))
    missing = tmp_path / "nope.yaml"
    assert_clean(invoke("analytics", "list", "--pipeline", str(missing)), 2, f"{missing} does not exist")


def test_debug_flag_and_variable_show_the_traceback(tmp_path: Path) -> None:
    bad = tmp_path / "BAD.yaml"
    bad.write_text("START_DATE: [\n")
    for args, env in (
        (("--debug", "analytics", "list", "-p", str(bad)), None),
        (("analytics", "list", "-p", str(bad)), {"BASALT_DEBUG": "1"}),
    ):
        result = invoke(*args, env=env)
        assert isinstance(result.exception, ConfigError)


def test_debug_may_follow_the_command_in_the_console_script(tmp_path: Path, capsys) -> None:
    bad = tmp_path / "BAD.yaml"
    bad.write_text("START_DATE: [\n")
    with pytest.raises(ConfigError):
        main(["analytics", "list", "-p", str(bad), "--debug"])
    with pytest.raises(SystemExit) as exited:
        main(["analytics", "list", "-p", str(bad)])
    assert exited.value.code == 2
    assert "error:" in capsys.readouterr().err


def test_a_bug_says_so_and_how_to_see_the_traceback() -> None:
    boom = typer.Typer(name="boom")

    @boom.command("now")
    def now() -> None:
        raise RuntimeError("index out of whack")

    plugin = types.ModuleType("boom_plugin")
    plugin.basalt_register_commands = hookimpl(lambda: [boom])
    result = invoke("boom", "now", manager=make_plugin_manager(boom=plugin))
    assert_clean(result, 1, "unexpected RuntimeError: index out of whack", "--debug", "BASALT_DEBUG=1")


ALPHA = """
START_DATE: 2026-01-05
END_DATE: 2026-01-05
DATASETNAME: alphas
SOURCE: {{type: local, root: lake}}
PASSES:
  - name: bars
    modules: [trade]
  - name: alphas
    scope: panel
    modules: [alpha101]
    module_inputs: {{alpha101: {{bars: "pass:bars"}}}}
"""


def test_install_hint_keeps_its_brackets(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(addons, "_installed", lambda dist: False)
    result = invoke("pipeline", "validate", str(write(tmp_path, ALPHA)))
    assert_clean(result, 2, "pip install 'bmll-basalt[alpha101]'")


def test_hint_for_an_installed_but_disabled_addon_says_it_is_disabled(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(addons, "_installed", lambda dist: dist == "bmll-basalt-alpha101")
    monkeypatch.setenv("BASALT_DISABLE_PLUGINS", "other,alpha101")
    result = invoke("pipeline", "validate", str(write(tmp_path, ALPHA)))
    assert_clean(result, 2, "installed but disabled by BASALT_DISABLE_PLUGINS", "alpha101")
    assert "pip install" not in result.output


def test_a_misspelt_module_in_module_configs_is_named_with_the_pass_modules(tmp_path: Path) -> None:
    path = write(tmp_path, PIPELINE.replace("{{l2: {{levels", "{{l2s: {{levels"))
    result = invoke("pipeline", "validate", str(path))
    assert_clean(result, 2, "PASSES[0].module_configs.l2s:", "['trade', 'l2']", "did you mean 'l2'?")


@pytest.mark.parametrize(
    ("old", "new", "needle"),
    [
        ("END_DATE: 2026-01-06", "END_DATE: 2026-01-02", "END_DATE: 2026-01-02 is before START_DATE"),
        ("START_DATE: 2026-01-05", "START_DATE: 2026-13-05", "START_DATE: Input should be a valid date"),
    ],
)
def test_date_errors_name_their_key(tmp_path: Path, old: str, new: str, needle: str) -> None:
    result = invoke("pipeline", "validate", str(write(tmp_path, PIPELINE.replace(old, new))))
    assert_clean(result, 2, needle)
    assert "- :" not in result.output
    assert "Value error" not in result.output


@pytest.mark.parametrize("value", ["0", "-5", str(10**15)])
def test_limit_rows_is_validated(tmp_path: Path, value: str) -> None:
    result = invoke("pipeline", "run", "-p", str(write(tmp_path)), f"--limit-rows={value}", "--dry-run")
    assert result.exit_code == 2
    assert "--limit-rows" in result.output


def test_a_weekend_warns_and_fails_unless_allow_empty(tmp_path: Path) -> None:
    path = write(tmp_path)
    result = invoke("pipeline", "run", "-p", str(path), "--date", "2026-01-10", "--dry-run")
    assert result.exit_code == 1
    assert "no trading day on 2026-01-10 (Saturday" in result.output
    assert "--allow-empty" in result.output
    allowed = invoke("pipeline", "run", "-p", str(path), "--date", "2026-01-10", "--dry-run", "--allow-empty")
    assert allowed.exit_code == 0, allowed.output
    assert "no trading day" in allowed.output
    weekend = write(
        tmp_path, PIPELINE.replace("2026-01-05", "2026-01-10").replace("2026-01-06", "2026-01-11")
    )
    validated = invoke("pipeline", "validate", str(weekend))
    assert validated.exit_code == 0, validated.output
    assert "warning: no trading day between 2026-01-10 and 2026-01-11" in validated.output


def test_a_missing_lake_folder_is_named(tmp_path: Path) -> None:
    path = write(tmp_path)
    lake = tmp_path / "lake"
    (lake / "trades").rmdir()
    lake.rmdir()
    assert_clean(
        invoke("pipeline", "validate", str(path)), 2, f"SOURCE: the lake folder {lake} does not exist"
    )
    result = invoke("pipeline", "run", "-p", str(path), "--dry-run")
    assert_clean(result, 2, f"the lake folder {lake} does not exist")
    assert "no reference data" not in result.output
    nope = tmp_path / "nope"
    result = invoke("data", "describe", "--source", str(nope), "--date", "2026-01-05")
    assert_clean(result, 1, f"the lake folder {nope} does not exist")


def test_a_python_pipeline_that_raises_is_a_configuration_error(tmp_path: Path) -> None:
    path = tmp_path / "p.py"
    path.write_text("USER_CONFIG = {'START_DATE': undefined_name}\n")
    result = invoke("pipeline", "validate", str(path))
    assert_clean(result, 2, str(path), "running the file failed: NameError", "undefined_name")
    assert "bug in Basalt" not in result.output


def test_documentation_text_keeps_its_brackets() -> None:
    # l2tw's definitions say "clipped to the [min, max] of the values averaged": Rich read that as a tag.
    explained = invoke("analytics", "explain", "SpreadBpsTWA")
    assert explained.exit_code == 0, explained.output
    assert "clipped to the [min, max] of the values" in explained.output
    listed = invoke("analytics", "list")
    assert "[min, max]" in listed.output.replace("\n", "").replace("│", "")


def test_date_and_a_date_range_together_are_refused(tmp_path: Path) -> None:
    args = ("pipeline", "run", "-p", str(write(tmp_path)), "--date", "2026-01-05", "--end-date", "2026-01-06")
    result = invoke(*args, "--dry-run")
    assert result.exit_code == 2
    assert "--date is one day" in result.output


def test_a_missing_package_is_the_installation_but_a_broken_import_is_a_bug() -> None:
    from basalt.cli.errors import is_user_error

    assert is_user_error(ModuleNotFoundError("No module named 'sqlalchemy'"))
    assert is_user_error(ImportError("the sql writer needs SQLAlchemy: pip install 'bmll-basalt[sql]'"))
    assert not is_user_error(ImportError("cannot import name 'Plan' from 'basalt.engine.plan'"))


def test_hint_for_an_installed_addon_that_did_not_load(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(addons, "_installed", lambda dist: True)
    monkeypatch.delenv("BASALT_DISABLE_PLUGINS", raising=False)
    hint = addons.install_hint("analytics", "alpha101")
    assert "installed but did not load" in hint
    assert "basalt plugins list" in hint
    assert addons.install_hint("analytics", "no_such_module") is None
