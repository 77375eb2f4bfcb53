"""Reading ``app.yaml`` with the line of every value, and collecting the problems found in it.

A problem reads ``app.yaml:12: schedule.grace_hours: expected …, got …``, the key as a dotted path
(``organizations[0].channels.slack``) and what is expected taken from the model's field; one in the
environment reads ``environment: SLACK_API_URL: expected …``. :class:`Problems` collects them all,
so that ``bot.config`` can report every mistake at once.
"""

from __future__ import annotations

import types
import typing
from collections.abc import Mapping
from pathlib import Path
from typing import Any, TypeVar

import yaml
from pydantic import BaseModel, ValidationError
from pydantic_core import ErrorDetails
from yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode

Model = TypeVar("Model", bound=BaseModel)
Loc = tuple[str | int, ...]
ENVIRONMENT = "environment"


class ConfigError(Exception):
    """The configuration is wrong: one line per problem, each naming where, the key and what was expected."""

    def __init__(self, *problems: str) -> None:
        super().__init__("\n".join(problems))
        self.problems = problems


def read_yaml(path: Path) -> tuple[dict[str, Any], Node | None]:
    """The settings in ``path`` and the YAML node tree they came from (for line numbers)."""
    try:
        loader = yaml.SafeLoader(path.read_text(encoding="utf-8"))
        try:
            root = loader.get_single_node()
            data = loader.construct_document(root) if root is not None else None
        finally:
            loader.dispose()
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        line = f"{mark.line + 1}:" if mark else ""
        raise ConfigError(f"{path}:{line} invalid YAML: {getattr(exc, 'problem', exc)}") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError(f"{path}: cannot be read: {exc}") from None
    if data is None:
        return {}, None
    if not isinstance(data, dict):
        raise ConfigError(f"{path}: expected a mapping of settings at the top level")
    return data, root


class Problems:
    """The problems found so far in one configuration file (``where``) and the environment."""

    def __init__(self, where: str, root: Node | None = None) -> None:
        self.where = where
        self.root = root
        self.lines: list[str] = []

    def at(self, loc: Loc, message: str) -> None:
        """A problem with the value at ``loc`` in the file."""
        line = _line(self.root, loc)
        place = f"{self.where}:{line}" if line else self.where
        self.lines.append(f"{place}: {dotted(loc)}: {message}")

    def env(self, name: str, message: str) -> None:
        self.lines.append(f"{ENVIRONMENT}: {name}: {message}")

    def validate(
        self, model: type[Model], data: Mapping[str, Any], *, environment: bool = False
    ) -> Model | None:
        """``data`` as ``model``, or None with every problem in it added."""
        try:
            return model.model_validate(data)
        except ValidationError as exc:
            for loc, message in problems(model, exc):
                if environment:
                    self.env(dotted(loc), message)
                else:
                    self.at(loc, message)
            return None

    def raise_any(self) -> None:
        if self.lines:
            raise ConfigError(*self.lines)


def _line(root: Node | None, loc: Loc) -> int | None:
    """The line of the deepest node of ``loc`` that the file has (1-based)."""
    node, line = root, None
    for part in loc:
        if isinstance(node, MappingNode) and isinstance(part, str):
            node = next((v for k, v in node.value if isinstance(k, ScalarNode) and k.value == part), None)
        elif isinstance(node, SequenceNode) and isinstance(part, int) and part < len(node.value):
            node = node.value[part]
        else:
            node = None
        if node is None:
            break
        line = node.start_mark.line + 1
    return line


# -- pydantic's errors in words -------------------------------------------------------------------

_EXPECTED = {
    "string_type": "text",
    "int_type": "a whole number",
    "float_type": "a number",
    "bool_type": "true or false",
    "list_type": "a list",
    "model_type": "a mapping",
    "dict_type": "a mapping",
    "string_too_short": "a non-empty text",
    "finite_number": "a finite number",
}


def dotted(loc: tuple[str | int, ...]) -> str:
    """``("organizations", 0, "name")`` as ``organizations[0].name``."""
    out = ""
    for part in loc:
        out += f"[{part}]" if isinstance(part, int) else f".{part}" if out else part
    return out


def problems(model: type[BaseModel], error: ValidationError) -> list[tuple[tuple[str | int, ...], str]]:
    """Each error of ``error`` as (location, ``expected …, got …``)."""
    return [(tuple(e["loc"]), _message(model, e)) for e in error.errors()]


def _message(model: type[BaseModel], e: ErrorDetails) -> str:
    loc, kind = tuple(e["loc"]), e["type"]
    if kind == "extra_forbidden":
        parent = _walk(model, loc[:-1])[1]
        keys = ", ".join(parent.model_fields) if parent else ""
        return f"unknown key (expected one of {keys})"
    if kind == "value_error":
        return str(e.get("ctx", {}).get("error", e["msg"]))
    field = _walk(model, loc)[0]
    on_field = bool(loc) and isinstance(loc[-1], str)
    expected = field.description if field is not None and field.description and on_field else None
    if expected is None:
        ctx = e.get("ctx", {})
        bounds = {"greater_than_equal": "≥ {ge}", "less_than_equal": "≤ {le}"}
        expected = (
            f"a number {bounds[kind].format(**ctx)}" if kind in bounds else _EXPECTED.get(kind, e["msg"])
        )
    if kind == "missing":
        return f"missing (expected {expected})"
    return f"expected {expected}, got {_short(e['input'])}"


def _short(value: object) -> str:
    text = repr(value)
    return text if len(text) <= 60 else text[:57] + "..."


def _walk(model: type[BaseModel], loc: tuple[str | int, ...]) -> tuple[Any, type[BaseModel] | None]:
    """The field at ``loc`` and the model it holds (if any), following lists and optionals."""
    field: Any = None
    current: type[BaseModel] | None = model
    for part in loc:
        if isinstance(part, int):
            continue
        if current is None or part not in current.model_fields:
            return None, None
        field = current.model_fields[part]
        current = _model_in(field.annotation)
    return field, current


def _model_in(annotation: Any) -> type[BaseModel] | None:
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return annotation
    if isinstance(annotation, types.UnionType) or typing.get_origin(annotation) is not None:
        for arg in typing.get_args(annotation):
            if found := _model_in(arg):
                return found
    return None
