"""What can be checked about a resolved pipeline without reading market data.

``basalt pipeline validate`` and ``basalt pipeline run`` (``--dry-run`` too)
call :func:`check_pipeline` after resolving: the source's folders exist
(:meth:`basalt.sources.base.Source.check`), every writer's engine is installed
and its output stays inside its root (:meth:`basalt.writers.base.OutputWriter.check`),
and the date range holds a trading day (:func:`empty_range_problem`).
``--dry-run`` also reads the footer of every file the run would read
(:func:`check_files`): unreadable Parquet, missing columns and wrong dtypes are
named with their file before any worker starts.
"""

from __future__ import annotations

from datetime import date

from basalt.engine.calendar import trading_days_of
from basalt.engine.config import AnalyticsConfig
from basalt.engine.errors import ConfigError
from basalt.engine.resolve import ResolvedPipeline
from basalt.sources.errors import SourceError
from basalt.tables.errors import TableError
from basalt.writers.base import OutputPartition

MAX_FILE_PROBLEMS = 20
"""Problems :func:`file_problems` lists before it stops looking (a wrong lake gives thousands)."""


def static_problems(resolved: ResolvedPipeline) -> list[str]:
    """Every problem found without reading data, each prefixed by its config path."""
    config = resolved.config
    tables = list(resolved.tables.values())
    problems = [f"SOURCE: {problem}" for problem in resolved.source.check(tables)]
    seen: set[int] = set()
    for index, resolved_pass in enumerate(resolved.passes):
        where = f"PASSES[{index}].output" if resolved_pass.config.output else "OUTPUT_TARGET"
        if not resolved_pass.config.output and id(resolved_pass.writer.config) in seen:
            continue
        partition = OutputPartition(
            config.DATASETNAME, resolved_pass.name, config.START_DATE, (), end_date=config.END_DATE
        )
        for problem in resolved_pass.writer.check(partition):
            problem = f"{where}: {problem}"
            if problem not in problems:  # OUTPUT_TARGET's problems once, not once per pass
                problems.append(problem)
        seen.add(id(resolved_pass.writer.config))
    return problems


def check_pipeline(resolved: ResolvedPipeline) -> None:
    """Raise a :class:`ConfigError` listing :func:`static_problems`, if any."""
    problems = static_problems(resolved)
    if problems:
        path = resolved.pipeline.path
        raise ConfigError(problems, source=str(path) if path else None)


def file_problems(resolved: ResolvedPipeline, days: list[date]) -> list[str]:
    """Footer problems of the files a run would read: unreadable Parquet, missing columns, wrong dtypes.

    Reads each file's Parquet footer only (no rows), for every table the
    pipeline reads, every MIC the source holds it for and every day in
    ``days``; missing files are not problems here (the universe decides which
    are needed). Stops after :data:`MAX_FILE_PROBLEMS`.
    """
    problems: list[str] = []
    source = resolved.source
    for table in resolved.tables.values():
        for mic in source.mics(table):
            for day in days:
                for path in source.files(table, mic, day):
                    try:
                        table.check_schema(source.file_schema(path), source=path)
                    except (SourceError, TableError) as exc:
                        problems.append(f"SOURCE: {exc}")
                        if len(problems) >= MAX_FILE_PROBLEMS:
                            return [*problems, f"SOURCE: … stopped after {MAX_FILE_PROBLEMS} problems"]
    return problems


def check_files(resolved: ResolvedPipeline, days: list[date]) -> None:
    """Raise a :class:`ConfigError` listing :func:`file_problems`, if any."""
    problems = file_problems(resolved, days)
    if problems:
        path = resolved.pipeline.path
        raise ConfigError(problems, source=str(path) if path else None)


def empty_range_problem(config: AnalyticsConfig) -> str | None:
    """A sentence saying the date range holds no trading day, or None when it holds one."""
    if trading_days_of(config):
        return None
    span = (
        f"on {config.START_DATE}"
        if config.START_DATE == config.END_DATE
        else f"between {config.START_DATE} and {config.END_DATE}"
    )
    weekday = config.START_DATE.strftime("%A") if config.START_DATE == config.END_DATE else ""
    why = f" ({weekday}; weekends are excluded)" if weekday and config.EXCLUDE_WEEKENDS else ""
    return f"no trading day {span}{why}: there is nothing to compute"
