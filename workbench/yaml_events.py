"""One YAML document built straight from libyaml's events, in bounded work.

PyYAML's loader first composes a tree of nodes (a Python object per value, each resolved by
regular expressions), then constructs the data from it through generators: about 20 s of CPU
for a 16 MB file. Here the data is built in one pass over the parser's events, with the same
YAML 1.1 types as ``yaml.safe_load`` (plain scalars are resolved by PyYAML's own rules and
constructors), and the rules of scenario files are checked on the way:

- a key given twice in one mapping is an error (PyYAML silently keeps the last one);
- an alias (``*name``) of a list or mapping is an error, so "billion laughs" cannot expand;
- more than ``max_values`` values (scalars, lists and mappings), or nesting deeper than
  :data:`MAX_DEPTH`, stops the parse at once: the work is bounded whatever the file holds.

Errors are ``yaml.MarkedYAMLError`` subclasses whose mark gives the line.
"""

from __future__ import annotations

import gc
from typing import Any

import yaml
from yaml.constructor import ConstructorError, SafeConstructor
from yaml.events import (
    AliasEvent,
    DocumentStartEvent,
    MappingEndEvent,
    MappingStartEvent,
    ScalarEvent,
    SequenceEndEvent,
    SequenceStartEvent,
    StreamEndEvent,
)
from yaml.nodes import ScalarNode
from yaml.resolver import Resolver

try:  # libyaml parses ten times faster; the pure-Python parser gives the same events
    from yaml import CSafeLoader as _EventSource
except ImportError:  # pragma: no cover - depends on the PyYAML build
    from yaml import SafeLoader as _EventSource  # type: ignore[assignment]

MAX_DEPTH = 100  # lists and mappings inside each other; a scenario needs about 6

_STR = "tag:yaml.org,2002:str"
_INT = "tag:yaml.org,2002:int"
_MERGE = "tag:yaml.org,2002:merge"
_COLLECTION_TAGS = {None, "!", "tag:yaml.org,2002:map", "tag:yaml.org,2002:seq"}
_RESOLVERS = Resolver.yaml_implicit_resolvers
_NO_KEY: Any = object()


class DuplicateKeyError(yaml.MarkedYAMLError):
    """A mapping names the same key twice; ``problem`` is the key as shown to people."""


class AliasError(yaml.MarkedYAMLError):
    """An alias of a list or mapping (the way "billion laughs" documents expand)."""


class TooManyValuesError(yaml.MarkedYAMLError):
    """The document holds more values than allowed; the mark is where the parse stopped."""


class TooDeepError(yaml.MarkedYAMLError):
    """Lists and mappings nested deeper than :data:`MAX_DEPTH`."""


def load_document(text: str, max_values: int, show_key: Any = repr) -> Any:
    """The data of the single YAML document in ``text`` (None when there is none).

    ``show_key`` turns a duplicate key into the text of the error's ``problem``.
    """
    was_enabled = gc.isenabled()
    gc.disable()  # millions of new objects and no cycles: the collector would only rescan them
    try:
        return _build(_EventSource(text), max_values, show_key)
    finally:
        if was_enabled:
            gc.enable()


def _build(source: Any, max_values: int, show_key: Any) -> Any:
    constructor = SafeConstructor()
    scalars: dict[tuple[str, str], Any] = {}  # (tag, text) -> value, for the non-text scalars
    anchors: dict[str, Any] = {}  # anchor -> scalar value, or _COLLECTION
    # One frame per open list or mapping: [container, pending key, its start event].
    stack: list[list[Any]] = []
    root: Any = None
    documents = 0
    count = 0
    get_event = source.get_event
    try:
        while True:
            event = get_event()
            kind = type(event)
            if kind is ScalarEvent:
                tag = event.tag
                text = event.value
                if (tag is None or tag == "!") and event.implicit[0]:
                    tag = _STR
                    for candidate, regexp in _RESOLVERS.get(text[:1], ()):
                        if regexp.match(text):
                            tag = candidate
                            break
                if tag is None or tag == "!" or tag == _STR:
                    value: Any = text
                elif tag == _INT and text.isdigit() and (text[0] != "0" or len(text) == 1):
                    value = int(text)  # plain decimal (a leading 0 is octal in YAML 1.1)
                else:
                    try:
                        value = scalars[(tag, text)]
                    except KeyError:
                        value = scalars[(tag, text)] = _construct(constructor, tag, event)
                if event.anchor is not None:
                    anchors[event.anchor] = value
            elif kind is MappingStartEvent or kind is SequenceStartEvent:
                if event.tag not in _COLLECTION_TAGS:
                    raise _unsupported_tag(event)
                if len(stack) >= MAX_DEPTH:
                    raise TooDeepError(None, None, f"more than {MAX_DEPTH}", event.start_mark)
                container: Any = {} if kind is MappingStartEvent else []
                stack.append([container, _NO_KEY, event])
                if event.anchor is not None:
                    anchors[event.anchor] = _COLLECTION
                continue
            elif kind is MappingEndEvent or kind is SequenceEndEvent:
                frame = stack.pop()
                if frame[1] is not _NO_KEY:  # pragma: no cover - the parser pairs them
                    raise yaml.YAMLError("a mapping key has no value")
                value = frame[0]
                event = frame[2]  # its mark is where the list or mapping starts
            elif kind is AliasEvent:
                if event.anchor not in anchors:
                    raise yaml.composer.ComposerError(
                        None, None, f"found undefined alias {event.anchor!r}", event.start_mark
                    )
                value = anchors[event.anchor]
                if value is _COLLECTION:
                    raise AliasError(None, None, "alias of a list or mapping", event.start_mark)
            elif kind is DocumentStartEvent:
                documents += 1
                if documents > 1:
                    raise yaml.composer.ComposerError(
                        "expected a single document in the stream",
                        None,
                        "but found another document",
                        event.start_mark,
                    )
                continue
            elif kind is StreamEndEvent:
                return root
            else:  # stream start, document end
                continue
            count += 1
            if count > max_values:
                raise TooManyValuesError(None, None, f"more than {max_values:,}", event.start_mark)
            if not stack:
                root = value
                continue
            frame = stack[-1]
            target = frame[0]
            if type(target) is list:
                target.append(value)
            elif frame[1] is _NO_KEY:
                try:
                    duplicate = value in target
                except TypeError:  # a list or mapping as a key
                    raise ConstructorError(
                        None, None, "a list or mapping cannot be a key", event.start_mark
                    ) from None
                if duplicate:
                    raise DuplicateKeyError(None, None, show_key(value), event.start_mark)
                frame[1] = value
            else:
                target[frame[1]] = value
                frame[1] = _NO_KEY
    finally:
        source.dispose()


_COLLECTION: Any = object()


def _construct(constructor: SafeConstructor, tag: str, event: Any) -> Any:
    """A scalar of a type other than text, by PyYAML's own safe constructors."""
    if tag == _MERGE:  # useful only with aliases of mappings, which are refused anyway
        raise ConstructorError(
            None,
            None,
            "merge keys ('<<') are not supported in scenario files; write the keys out",
            event.start_mark,
        )
    node = ScalarNode(tag, event.value, event.start_mark, event.end_mark, event.style)
    build = constructor.yaml_constructors.get(tag) or constructor.yaml_constructors[None]
    return build(constructor, node)


def _unsupported_tag(event: Any) -> yaml.MarkedYAMLError:
    tag = str(event.tag)
    if tag in ("tag:yaml.org,2002:set", "tag:yaml.org,2002:omap", "tag:yaml.org,2002:pairs"):
        return ConstructorError(
            None,
            None,
            f"the tag {tag!r} is not supported in scenario files; write a plain list or mapping",
            event.start_mark,
        )
    return ConstructorError(
        None, None, f"could not determine a constructor for the tag {tag!r}", event.start_mark
    )
