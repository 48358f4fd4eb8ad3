"""Reading YAML files safely and turning pydantic errors into :class:`Problem` lines.

Any input, however broken (missing, empty, binary, huge, a list, an alias bomb), becomes a
:class:`ProblemsError` with a message that says what to fix, never a traceback.
"""

from __future__ import annotations

import difflib
import os
import stat
import types
import typing
from pathlib import Path
from typing import Any

import yaml
from pydantic import BaseModel, ValidationError

from .errors import Problem, ProblemsError
from .units import short_repr
from .yaml_events import (
    AliasError,
    DuplicateKeyError,
    TooDeepError,
    TooManyValuesError,
    load_document,
)

MAX_FILE_BYTES = 16 * 1024 * 1024
MAX_PROBLEMS = 200  # problems reported per input; the rest are counted ("... and N more")
MAX_KEY_CHARS = 60
# Values (scalars, lists and mappings) in one file: 17,000 nodes and 17,000 links written out
# take 240,000. Parsing and checking cost a few microseconds per value, so this bounds the work
# on any file (16 MB can hold 5 million); larger fleets are a node 'count' or built in Python.
MAX_VALUES = 250_000
_NO_DATA: Any = object()


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


def _read_bounded(path: Path, fail: Any) -> bytes:
    """The bytes of a regular file of at most MAX_FILE_BYTES; pipes, devices and sockets are
    refused without reading (a FIFO would block, /dev/zero never ends)."""
    try:
        if path.is_dir():
            raise fail("is a folder, not a file; give the path of a .yaml file")
        fd = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_BINARY", 0))
    except FileNotFoundError:
        raise fail("file not found; check the path") from None
    except PermissionError:
        raise fail("permission denied; check the file's permissions") from None
    except OSError as exc:
        raise fail(f"cannot read the file ({exc.strerror}); check the path") from None
    with os.fdopen(fd, "rb") as handle:
        info = os.fstat(handle.fileno())
        if not stat.S_ISREG(info.st_mode):
            raise fail(
                "is not a regular file (a pipe, device or socket); give the path of a .yaml file"
            )
        if info.st_size > MAX_FILE_BYTES:
            raise fail(_too_big(info.st_size))
        try:
            raw = handle.read(MAX_FILE_BYTES + 1)
        except OSError as exc:
            raise fail(f"cannot read the file ({exc.strerror}); check the path") from None
    if len(raw) > MAX_FILE_BYTES:  # the file grew while we read it
        raise fail(_too_big(len(raw)))
    return raw


def _too_big(size: int) -> str:
    return (
        f"the file is {size / 1e6:.1f} MB and the limit is {MAX_FILE_BYTES / 1e6:.0f} MB; "
        "describe large fleets with node 'count' or the Python builders"
    )


def read_yaml(path: Path | str) -> Any:
    """Parse one YAML document from ``path`` safely; raise ProblemsError when unreadable."""
    path = Path(path)

    def fail(message: str, where: str = "") -> ProblemsError:
        return ProblemsError([Problem(where, message)], str(path))

    raw = _read_bounded(path, fail)
    if b"\x00" in raw:
        raise fail("not a text file (it contains NUL bytes); give a YAML scenario file")
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise fail(f"not UTF-8 text (byte {exc.start}); save the file as UTF-8") from None
    if not text.strip():
        raise fail("file is empty; start from a file in data/scenarios/")
    try:
        return load_document(text, MAX_VALUES, short_repr)  # safe: no object tags
    except DuplicateKeyError as exc:
        raise fail(
            f"the key {exc.problem} appears twice in one mapping{_line(exc)}; keep only one of them"
        ) from None
    except AliasError:
        raise fail(
            "YAML anchors and aliases ('&name', '*name') are not supported in scenario files; "
            "write the value out in full"
        ) from None
    except TooManyValuesError as exc:
        mark = exc.problem_mark
        at = f", reached at line {mark.line + 1:,}" if mark else ""
        raise fail(
            f"the file has more than {MAX_VALUES:,} values (keys, list items and mappings; the "
            f"limit{at}); describe large fleets with node 'count' or the Python builders"
        ) from None
    except TooDeepError as exc:
        raise fail(f"nesting too deep to be a scenario file{_line(exc)}") from None
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark
        where = f" at line {mark.line + 1}, column {mark.column + 1}" if mark else ""
        problem = str(exc.problem)
        if "constructor for the tag" in problem:
            problem += " (tags such as !!python/... are not allowed)"
        raise fail(f"not valid YAML{where}: {problem}; fix it there") from None
    except yaml.YAMLError as exc:
        raise fail(f"not valid YAML: {exc}") from None


def _line(exc: yaml.MarkedYAMLError) -> str:
    mark = exc.problem_mark
    return f" (line {mark.line + 1})" if mark else ""


def _format_loc(loc: tuple[int | str, ...], data: Any = _NO_DATA) -> str:
    """``workloads[0].source.rate``: list positions in brackets, mapping keys after dots.

    With the input ``data``, an integer that is a mapping key (``{1: x}``) is written as a key,
    not as a list position.
    """
    path = ""
    current = data
    for part in loc:
        if part == "[key]":
            path += " (the key)"
            continue
        if isinstance(part, int) and (current is _NO_DATA or isinstance(current, list)):
            path += f"[{part}]"
        else:
            name = short_repr(part) if not isinstance(part, str) else part
            if len(name) > MAX_KEY_CHARS:
                name = short_repr(name)
            path += f".{name}" if path else name
        current = _child(current, part)
    return path


def _child(current: Any, part: int | str) -> Any:
    if current is _NO_DATA:
        return _NO_DATA
    try:
        return current[part]
    except (KeyError, IndexError, TypeError):
        return _NO_DATA


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


_KIND = {  # what a value of the wrong type should have been, for the *_type/_parsing errors
    "int": "a whole number, e.g. 4",
    "float": "a number, e.g. 2.5",
    "bool": "true or false",
    "string": "text",
    "list": "a list, e.g. [a, b]",
    "tuple": "a list, e.g. [a, b]",
    "dict": "a mapping of fields (key: value lines)",
    "model": "a mapping of fields (key: value lines)",
    "set": "a list, e.g. [a, b]",
}


def _expected(kind: str) -> str | None:
    """'a whole number' for 'int_parsing', 'int_type', 'int_from_float' ... else None."""
    head = kind.split("_", 1)[0]
    if head in _KIND and kind.split("_", 1)[-1] in (
        "type",
        "parsing",
        "from_float",
        "parsing_size",
        "attributes_type",
    ):
        return _KIND[head]
    return None


def _pattern_hint(pattern: str) -> str:
    if "." in pattern:
        return "use only letters, digits and '_', '-', '.', ':' (no spaces), e.g. 'gw-1'"
    return (
        "use only letters, digits and '_', '-', ':' (no dots, since placement keys are "
        "'workload.stage'), e.g. 'defect-check'"
    )


def _message(error: Any, loc: tuple[int | str, ...], model: Any) -> str:
    """A pydantic error in our words: what is wrong, then the fix."""
    kind = str(error["type"])
    ctx = error.get("ctx") or {}
    shown = short_repr(error.get("input"))
    if kind in ("value_error", "assertion_error"):
        text = str(error["msg"]).removeprefix("Value error, ").removeprefix("Assertion failed, ")
        return text
    if kind == "missing":
        return "this field is missing; add it"
    if kind == "extra_forbidden":
        name = short_repr(loc[-1]) if not isinstance(loc[-1], str) else repr(loc[-1])
        if len(name) > MAX_KEY_CHARS:
            name = short_repr(str(loc[-1]))
        allowed = _field_names(model, loc[:-1]) if model is not None else None
        message = f"{name} is not a field here"
        if allowed:
            close = difflib.get_close_matches(str(loc[-1]), allowed, n=1)
            return message + (
                f"; did you mean {close[0]!r}?"
                if close
                else f"; remove it, or use one of: {', '.join(sorted(allowed))}"
            )
        return message + "; remove it"
    if kind == "invalid_key":
        return f"the key {shown} is not a name; write keys as text, e.g. 'rate'"
    if kind == "literal_error":
        expected = str(ctx.get("expected", "")).replace("'", "").replace(" or ", ", ")
        return f"{shown} is not allowed; use one of: {expected}"
    if kind in ("enum",):
        return f"{shown} is not allowed; use one of: {ctx.get('expected', '?')}"
    if kind == "string_pattern_mismatch":
        return f"{shown} is not a valid name; {_pattern_hint(str(ctx.get('pattern', '.')))}"
    if kind == "string_too_long":
        return f"the text is longer than {ctx.get('max_length', '?')} characters; shorten it"
    if kind == "string_too_short":
        return "the text is empty; write something here"
    if kind in ("too_short",):
        need = ctx.get("min_length", 1)
        return f"the list is empty; give at least {need} item{'s' if need != 1 else ''}"
    if kind in ("too_long",):
        return f"the list has too many items; give at most {ctx.get('max_length', '?')}"
    if kind in ("greater_than_equal", "greater_than", "less_than_equal", "less_than"):
        bound = next(iter(ctx.values()), "?")
        words = {
            "greater_than_equal": ("less than", "at least"),
            "greater_than": ("not more than", "more than"),
            "less_than_equal": ("more than", "at most"),
            "less_than": ("not less than", "less than"),
        }[kind]
        text = f"{bound:,}" if isinstance(bound, int) else str(bound)
        return f"{shown} is {words[0]} {text}; give a value {words[1]} {text}"
    if kind == "finite_number":
        return f"{shown} is not a finite number; give an ordinary number"
    if kind == "int_from_float":
        return f"{shown} is not a whole number; give a whole number, e.g. 4"
    if kind == "int_parsing_size":
        return f"{shown} is far too large; give a smaller whole number"
    if kind == "multiple_of":
        return f"{shown} is not a multiple of {ctx.get('multiple_of')}; round it"
    if kind == "none_required":
        return f"{shown} is not allowed here; remove it"
    if kind == "string_unicode":
        return "the text is not valid Unicode; save the file as UTF-8"
    wanted = _expected(kind)
    if wanted is not None:
        return f"expected {wanted}, got {shown}; write {wanted.split(', e.g.')[0]} here"
    return f"{shown} is not accepted here; see `workbench schema` for what this field takes"


def problems_from_validation_error(
    exc: ValidationError,
    model: Any = None,
    data: Any = _NO_DATA,
    context: dict[str, Any] | None = None,
) -> list[Problem]:
    """One :class:`Problem` per pydantic error (at most MAX_PROBLEMS, then "... and N more"),
    with the file's field path and a message in our words that ends with the fix.

    pydantic builds the details of every error at once (seconds for a million); with the
    input ``data`` and its validation ``context``, the printed ones come from a shortened
    copy of the input instead (:func:`_first_errors`), and the rest are counted.
    """
    total = exc.error_count()
    if total > MANY_ERRORS and model is not None and data is not _NO_DATA:
        errors = _first_errors(model, data, context, min(total, MAX_PROBLEMS))
    else:
        errors = exc.errors(include_url=False, include_context=True, include_input=True)
    problems = []
    for error in errors[:MAX_PROBLEMS]:
        loc = tuple(error["loc"])
        problems.append(Problem(_format_loc(loc, data), _message(error, loc, model)))
    if total > len(problems):
        problems.append(more_problems(total - len(problems)))
    return problems


MANY_ERRORS = 5 * MAX_PROBLEMS  # above this, details come from a shortened input
_FIRST_VALUES = 20_000  # values kept in the first shortened input (doubled until enough)


def _first_errors(model: Any, data: Any, context: Any, wanted: int) -> list[Any]:
    """The details of ``wanted`` errors of ``data`` (in pydantic's order), from a copy that
    keeps only its first values.

    Each kept value is validated exactly as in the whole input, except where the cut shows:
    on a container that lost items (a list too short, a model's own check) and on the keys a
    mapping lost (reported missing). Errors there are left out, so every error returned is
    one of the whole input's.
    """
    keep = _FIRST_VALUES
    while True:
        cuts: list[tuple[tuple[Any, ...], Any]] = []
        budget = [keep]
        short = _shorten(data, (), budget, cuts)
        try:
            model.model_validate(short, context=context)
            errors: list[Any] = []
        except ValidationError as exc:
            errors = exc.errors(include_url=False, include_context=True, include_input=True)
        if cuts:
            errors = [e for e in errors if not _at_cut(tuple(e["loc"]), cuts)]
        if len(errors) >= wanted or not cuts:
            return errors[:wanted]
        keep *= 4


def _shorten(
    value: Any, path: tuple[Any, ...], budget: list[int], cuts: list[tuple[tuple[Any, ...], Any]]
) -> Any:
    """``value`` with only its first ``budget[0]`` values (in file order); each container that
    lost items is added to ``cuts`` with its path (and, for a mapping, the keys it kept)."""
    budget[0] -= 1
    if isinstance(value, dict):
        kept: dict[Any, Any] = {}
        for key, item in value.items():
            if budget[0] <= 0:
                cuts.append((path, set(kept)))
                break
            kept[key] = _shorten(item, (*path, key), budget, cuts)
        return kept
    if isinstance(value, list):
        items: list[Any] = []
        for index, item in enumerate(value):
            if budget[0] <= 0:
                cuts.append((path, None))
                break
            items.append(_shorten(item, (*path, index), budget, cuts))
        return items
    return value


def _at_cut(loc: tuple[Any, ...], cuts: list[tuple[tuple[Any, ...], Any]]) -> bool:
    """Whether an error at ``loc`` may come from the cut: on a shortened container or one
    holding it, or on a key that a shortened mapping lost."""
    for path, kept_keys in cuts:
        if path[: len(loc)] == loc:
            return True
        lost_key = kept_keys is not None and loc[-1] not in kept_keys
        if lost_key and len(loc) == len(path) + 1 and loc[:-1] == path:
            return True
    return False


def more_problems(count: int) -> Problem:
    """The line that stands for ``count`` problems not listed."""
    return Problem("", f"... and {count:,} more problems; fix the ones above first")
