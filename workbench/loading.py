"""Reading YAML files safely and turning pydantic errors into :class:`Problem` lines.

Any input, however broken (missing, empty, binary, huge, a list, an alias bomb), becomes a
:class:`ProblemsError` with a message that says what to fix, never a traceback.
"""

from __future__ import annotations

import difflib
import os
import types
import typing
from pathlib import Path
from typing import Any

import yaml
from pydantic import BaseModel, ValidationError

from .errors import Problem, ProblemsError

MAX_FILE_BYTES = 16 * 1024 * 1024

try:  # libyaml is much faster on big files; the pure-Python loader behaves the same
    _Loader: type[yaml.SafeLoader] = yaml.CSafeLoader  # type: ignore[assignment]
except AttributeError:  # pragma: no cover - depends on the PyYAML build
    _Loader = yaml.SafeLoader


def _reject_aliases(document: Any) -> None:
    """Raise if any list or mapping appears twice: that is an alias (``*name``), which allows
    "billion laughs" documents that expand exponentially once validated."""
    seen: set[int] = set()
    stack = [document]
    while stack:
        item = stack.pop()
        if isinstance(item, dict | list):
            if id(item) in seen:
                raise yaml.YAMLError(
                    "YAML anchors and aliases ('&name', '*name') are not supported in scenario "
                    "files; write the value out in full"
                )
            seen.add(id(item))
            stack.extend(item.values() if isinstance(item, dict) else item)


def data_dir() -> Path:
    """The project's ``data/`` folder (override with the ``WORKBENCH_DATA`` variable)."""
    override = os.environ.get("WORKBENCH_DATA")
    path = Path(override) if override else Path(__file__).resolve().parents[1] / "data"
    if not path.is_dir():
        raise ProblemsError(
            [
                Problem(
                    "", "data folder not found; set WORKBENCH_DATA to the project's data/ folder"
                )
            ],
            str(path),
        )
    return path


def read_yaml(path: Path | str) -> Any:
    """Parse one YAML document from ``path`` safely; raise ProblemsError when unreadable."""
    path = Path(path)

    def fail(message: str, where: str = "") -> ProblemsError:
        return ProblemsError([Problem(where, message)], str(path))

    try:
        size = path.stat().st_size
        if path.is_dir():
            raise fail("is a folder, not a file; give the path of a .yaml file")
        if size > MAX_FILE_BYTES:
            raise fail(
                f"file is {size / 1e6:.1f} MB; the limit is {MAX_FILE_BYTES / 1e6:.0f} MB "
                "(describe large fleets with node 'count' or the Python builders)"
            )
        raw = path.read_bytes()
    except FileNotFoundError:
        raise fail("file not found; check the path") from None
    except PermissionError:
        raise fail("permission denied; check the file's permissions") from None
    except OSError as exc:
        raise fail(f"cannot read the file ({exc.strerror})") from None
    if b"\x00" in raw:
        raise fail("not a text file (it contains NUL bytes); give a YAML scenario file")
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise fail(f"not UTF-8 text (byte {exc.start}); save the file as UTF-8") from None
    if not text.strip():
        raise fail("file is empty; start from a file in data/scenarios/")
    try:
        document = yaml.load(text, Loader=_Loader)  # CSafeLoader/SafeLoader: no object tags
        _reject_aliases(document)
        return document
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark
        where = f" at line {mark.line + 1}, column {mark.column + 1}" if mark else ""
        problem = str(exc.problem)
        if "constructor for the tag" in problem:
            problem += " (tags such as !!python/... are not allowed)"
        raise fail(f"not valid YAML{where}: {problem}; fix it there") from None
    except yaml.YAMLError as exc:
        raise fail(f"not valid YAML: {exc}") from None
    except RecursionError:
        raise fail("nesting too deep to be a scenario file") from None


def _format_loc(loc: tuple[int | str, ...]) -> str:
    path = ""
    for part in loc:
        if isinstance(part, int):
            path += f"[{part}]"
        else:
            path += f".{part}" if path else str(part)
    return path


def _field_names(model: Any, loc: tuple[int | str, ...]) -> list[str] | None:
    """The file names of the fields allowed at ``loc`` (the parent of an unknown key)."""
    current: Any = model
    for part in loc:
        current = _unwrap(current)
        if isinstance(part, int):
            args = typing.get_args(current)
            current = args[-1] if args else None
            continue
        if isinstance(current, type) and issubclass(current, BaseModel):
            info = next(
                (f for n, f in current.model_fields.items() if (f.alias or n) == part), None
            )
            current = info.annotation if info else None
        elif typing.get_origin(current) is dict:
            current = typing.get_args(current)[1]
        else:
            return None
    current = _unwrap(current)
    if isinstance(current, type) and issubclass(current, BaseModel):
        return [f.alias or n for n, f in current.model_fields.items()]
    return None


def _unwrap(annotation: Any) -> Any:
    """Strip Optional/Annotated so that the model or container inside is visible."""
    while True:
        origin = typing.get_origin(annotation)
        if origin is typing.Annotated:
            annotation = typing.get_args(annotation)[0]
        elif origin in (typing.Union, types.UnionType):
            args = [a for a in typing.get_args(annotation) if a is not type(None)]
            models = [a for a in args if isinstance(a, type) and issubclass(a, BaseModel)]
            annotation = models[0] if models else args[0]
        else:
            return annotation


_EXPECTED = {
    "int_parsing": "a whole number",
    "int_type": "a whole number",
    "int_from_float": "a whole number",
    "float_parsing": "a number",
    "float_type": "a number",
    "bool_parsing": "true or false",
    "bool_type": "true or false",
    "string_type": "text",
    "tuple_type": "a list",
}


def problems_from_validation_error(exc: ValidationError, model: Any = None) -> list[Problem]:
    """One :class:`Problem` per pydantic error, with the file's field path and a fix."""
    problems = []
    for error in exc.errors(include_url=False):
        loc = tuple(error["loc"])
        kind = error["type"]
        message = str(error["msg"]).removeprefix("Value error, ")
        if kind == "missing":
            message = "missing; add this field"
        elif kind == "extra_forbidden":
            allowed = _field_names(model, loc[:-1]) if model is not None else None
            name = str(loc[-1])
            message = f"unknown field {name!r}"
            if allowed:
                close = difflib.get_close_matches(name, allowed, n=1)
                message += (
                    f"; did you mean {close[0]!r}?"
                    if close
                    else f"; allowed fields: {', '.join(sorted(allowed))}"
                )
        elif kind == "literal_error":
            message = f"{error['input']!r} is not allowed; {message[0].lower()}{message[1:]}"
        elif kind in ("model_type", "dict_type"):
            message = f"expected a mapping of fields, got {type(error['input']).__name__}"
        elif kind == "list_type":
            message = f"expected a list, got {type(error['input']).__name__}"
        elif kind == "too_short":
            message = f"needs at least {error.get('ctx', {}).get('min_length', 1)} item(s)"
        elif kind in ("greater_than_equal", "greater_than", "less_than_equal", "less_than"):
            words = {"greater_than_equal": "at least", "greater_than": "more than"}
            bound = next(iter(error.get("ctx", {}).values()), "?")
            message = f"must be {words.get(kind, 'at most')} {bound}, got {error['input']!r}"
        elif kind in _EXPECTED:
            message = f"expected {_EXPECTED[kind]}, got {error['input']!r}"
        problems.append(Problem(_format_loc(loc), message))
    return problems
