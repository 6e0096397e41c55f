"""Configuration errors that say which key, in which file, and what to do."""

from __future__ import annotations

import difflib
import typing
from collections.abc import Sequence

from pydantic import BaseModel, ValidationError


class ConfigError(ValueError):
    """A pipeline configuration that cannot run; every problem is named by its config path."""

    def __init__(self, problems: Sequence[str], *, source: str | None = None) -> None:
        self.problems = list(problems)
        where = f" in {source}" if source else ""
        listed = "\n".join(f"  - {problem}" for problem in self.problems)
        super().__init__(f"invalid pipeline configuration{where}:\n{listed}")


class KeyedValueError(ValueError):
    """A validator's error about one key below the model it validates (``END_DATE``, ``module_configs.l2s``).

    Raise it from a ``model_validator``: pydantic reports model-level errors at
    the model itself, and :func:`explain_validation_error` appends ``key`` so the
    message names the key at fault.
    """

    def __init__(self, key: Sequence[int | str], message: str) -> None:
        self.key = tuple(key)
        super().__init__(message)


def config_path(loc: Sequence[int | str]) -> str:
    """``('PASSES', 0, 'modules')`` → ``PASSES[0].modules``."""
    text = ""
    for part in loc:
        text += f"[{part}]" if isinstance(part, int) else (f".{part}" if text else str(part))
    return text


def _models_in(annotation: object) -> list[type[BaseModel]]:
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return [annotation]
    return [model for arg in typing.get_args(annotation) for model in _models_in(arg)]


def _model_at(root: type[BaseModel], loc: Sequence[int | str]) -> type[BaseModel] | None:
    current: type[BaseModel] | None = root
    for part in loc:
        if isinstance(part, int) or current is None:
            continue
        field = current.model_fields.get(str(part))
        if field is None:
            return None
        models = _models_in(field.annotation)
        current = models[0] if models else None
    return current


def explain_validation_error(
    root: type[BaseModel], error: ValidationError, *, prefix: Sequence[int | str] = ()
) -> list[str]:
    """Readable problems of a pydantic error, with "did you mean" for unknown keys."""
    problems = []
    for item in error.errors():
        loc = [*prefix, *item["loc"]]
        path = config_path(loc)
        if item["type"] == "extra_forbidden":
            parent = _model_at(root, item["loc"][:-1])
            known = list(parent.model_fields) if parent else []
            close = difflib.get_close_matches(str(item["loc"][-1]), known, n=1, cutoff=0.6)
            hint = (
                f"; did you mean {close[0]!r}?"
                if close
                else (f"; known keys: {', '.join(known)}" if known else "")
            )
            problems.append(f"{path}: unknown key{hint}")
        elif item["type"] == "value_error":
            # Our validators' own sentences, without pydantic's "Value error, " prefix.
            cause = (item.get("ctx") or {}).get("error")
            message = str(cause) if cause is not None else item["msg"].removeprefix("Value error, ")
            if isinstance(cause, KeyedValueError):
                path = config_path([*loc, *cause.key])
            problems.append(f"{path}: {message}" if path else message)
        else:
            problems.append(f"{path}: {item['msg']}" if path else item["msg"])
    return problems
