"""Safe YAML reading that remembers where every value came from, so errors can name the line.

Only plain YAML is accepted: the event stream is checked before any node is built, so tags (such as
`!!python/object`), anchors and aliases (the "billion laughs" bomb) and deep nesting are refused without
constructing anything. Scalars are then typed as `yaml.safe_load` types them (SafeLoader), except where
YAML 1.1 reads a plain value as something a person would not mean: only `true` and `false` are booleans
(`on`, `off`, `yes`, `no` stay words, so `heat: off` means off), and a base-60 number (`1:30`, which YAML
1.1 reads as 90) or an octal-looking one (`010`, read as 8) is an error that says how to write it.
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import yaml

from controller.errors import ProgramError, ProgramErrors

Path = tuple[str | int, ...]

MAX_NESTING = 8          # RELIABILITY 24: nesting > 8 is rejected before building anything
MAX_EVENTS = 50_000      # far above any 64 KiB program; bounds the work a hostile file can cause
_MERGE_TAG = "tag:yaml.org,2002:merge"
_BOOL_TAG = "tag:yaml.org,2002:bool"
_NUMBER_TAGS = ("tag:yaml.org,2002:int", "tag:yaml.org,2002:float")
_OCTAL = re.compile(r"[-+]?0[0-7_]+")


@dataclass(frozen=True, slots=True)
class SourceMap:
    """Line (1-based) of every value and key in a YAML document, by path from the root."""

    value_lines: Mapping[Path, int]
    key_lines: Mapping[Path, int]

    def line_of(self, path: Path, *, key: bool = False) -> int:
        """The line of `path` (its key's line when `key`), or of its nearest known parent."""
        for end in range(len(path), -1, -1):
            prefix = path[:end]
            lines = self.key_lines if key and end == len(path) else self.value_lines
            if prefix in lines:
                return lines[prefix]
        return 1


def parse_yaml(text: str, file: str) -> tuple[Any, SourceMap]:
    """Plain data and its SourceMap from YAML text; raises ProgramErrors for unsafe or broken YAML."""
    _check_events(text, file)
    try:
        loader = yaml.SafeLoader(text)
        try:
            root = loader.get_single_node()
        finally:
            loader.dispose()
    except yaml.YAMLError as err:
        raise ProgramErrors([_syntax_error(err, file)]) from err
    builder = _Builder(loader, file)
    data = builder.build(root, ()) if root is not None else None
    if builder.errors:
        raise ProgramErrors(builder.errors)
    return data, SourceMap(builder.value_lines, builder.key_lines)


def _syntax_error(err: yaml.YAMLError, file: str) -> ProgramError:
    """One readable line for a YAML syntax error, with its line and column."""
    mark = getattr(err, "problem_mark", None) or getattr(err, "context_mark", None)
    problem = getattr(err, "problem", None) or str(err).splitlines()[0]
    context = getattr(err, "context", None)
    detail = problem + (f" {context}" if context else "")
    context_mark = getattr(err, "context_mark", None)
    if context and context_mark is not None and mark is not None and context_mark.line != mark.line:
        detail += f" started on line {context_mark.line + 1}"
    if "block" in detail:
        detail += "; check the indentation"
    if mark is None:
        return ProgramError(f"YAML syntax error: {detail}", file=file, line=1)
    message = f"YAML syntax error (column {mark.column + 1}): {detail}"
    return ProgramError(message, file=file, line=mark.line + 1)


def _check_events(text: str, file: str) -> None:
    """Refuse tags, anchors, aliases, several documents and deep nesting before composing any node."""
    errors: list[ProgramError] = []
    reported: set[str] = set()  # one line per kind of problem: an alias bomb is one problem
    depth = documents = 0
    try:
        for count, event in enumerate(yaml.parse(text, Loader=yaml.SafeLoader)):
            line = event.start_mark.line + 1 if event.start_mark else 1
            problem = _event_problem(event, depth, documents, count)
            kind = problem.split(" (")[0] if problem else ""
            if problem and kind not in reported:
                reported.add(kind)
                errors.append(ProgramError(problem, file=file, line=line))
                if depth >= MAX_NESTING or count > MAX_EVENTS or len(errors) >= 20:
                    break
            depth += isinstance(event, yaml.CollectionStartEvent)
            depth -= isinstance(event, yaml.CollectionEndEvent)
            documents += isinstance(event, yaml.DocumentStartEvent)
    except yaml.YAMLError as err:
        errors.append(_syntax_error(err, file))
    if errors:
        raise ProgramErrors(errors)


def _event_problem(event: yaml.Event, depth: int, documents: int, count: int) -> str | None:
    """What is unsafe or unsupported about one parser event, if anything."""
    if isinstance(event, yaml.AliasEvent):
        return f"YAML aliases (*{event.anchor}) are not allowed in program files"
    anchor, tag = getattr(event, "anchor", None), getattr(event, "tag", None)
    if anchor:
        return f"YAML anchors (&{anchor}) are not allowed in program files"
    if tag is not None:
        return f"YAML tags ({tag}) are not allowed in program files"
    if isinstance(event, yaml.CollectionStartEvent) and depth >= MAX_NESTING:
        return (f"nesting deeper than {MAX_NESTING} levels is not allowed in program files "
                "(repeat blocks nest at most 2 deep)")
    if isinstance(event, yaml.DocumentStartEvent) and documents >= 1:
        return "a program file holds one YAML document; remove the second '---'"
    if count > MAX_EVENTS:
        return f"more than {MAX_EVENTS} YAML items; a program file is far smaller"
    return None


def _surprising_number(node: yaml.Node, value: Any) -> str:
    """What is wrong with a plain number YAML 1.1 reads other than a person means, or ""."""
    text = str(node.value)
    if node.tag not in _NUMBER_TAGS or getattr(node, "style", None):
        return ""
    if ":" in text:
        return f"a base-60 number in YAML ({value:g}); write a duration like 1m30s, or quote it"
    if _OCTAL.fullmatch(text):
        digits = text.lstrip("+-").lstrip("0_") or "0"
        return f"an octal number in YAML ({value}); write {digits} without the leading 0, or quote it"
    return ""


class _Builder:
    """Turns composed nodes into plain data, recording lines and collecting every problem."""

    def __init__(self, loader: yaml.SafeLoader, file: str) -> None:
        self.loader = loader
        self.file = file
        self.errors: list[ProgramError] = []
        self.value_lines: dict[Path, int] = {}
        self.key_lines: dict[Path, int] = {}

    def build(self, node: yaml.Node, path: Path) -> Any:
        """The plain value of `node` at `path`."""
        self.value_lines.setdefault(path, node.start_mark.line + 1)
        if isinstance(node, yaml.MappingNode):
            return self._mapping(node, path)
        if isinstance(node, yaml.SequenceNode):
            return [self.build(item, (*path, i)) for i, item in enumerate(node.value)]
        return self._scalar(node, path)

    def _mapping(self, node: yaml.MappingNode, path: Path) -> dict[str, Any]:
        result: dict[str, Any] = {}
        for key_node, value_node in node.value:
            key = self._key(key_node)
            if key is None:
                continue
            if key in result:
                first = self.key_lines[(*path, key)]
                self._error(key_node, f"key {key!r} appears twice (first on line {first})")
                continue
            self.key_lines[(*path, key)] = key_node.start_mark.line + 1
            result[key] = self.build(value_node, (*path, key))
        return result

    def _key(self, node: yaml.Node) -> str | None:
        """A mapping key, which must be plain text."""
        if node.tag == _MERGE_TAG:
            self._error(node, "YAML merge keys (<<) are not allowed in program files")
            return None
        key = self._plain(node) if isinstance(node, yaml.ScalarNode) else None
        if not isinstance(key, str):
            shown = repr(key) if isinstance(node, yaml.ScalarNode) else "a list or mapping"
            self._error(node, f"keys must be plain names, not {shown}")
            return None
        return key

    def _scalar(self, node: yaml.Node, path: Path) -> Any:
        value = self._plain(node)
        key = next((p for p in reversed(path) if isinstance(p, str)), "value")
        if isinstance(value, float) and not math.isfinite(value):
            self._error(node, f"{key}: {node.value!r} is not a finite number")
            return None
        problem = _surprising_number(node, value)
        if problem:
            self._error(node, f"{key}: {node.value} is {problem}")
            return None
        return value

    def _plain(self, node: yaml.Node) -> Any:
        """The scalar's value; a YAML 1.1 boolean other than true/false is the word as written."""
        if node.tag == _BOOL_TAG and str(node.value).lower() not in ("true", "false"):
            return node.value
        return self.loader.construct_object(node)

    def _error(self, node: yaml.Node, message: str) -> None:
        self.errors.append(ProgramError(message, file=self.file, line=node.start_mark.line + 1))
