"""The one hardened YAML reader for every file a user names: programs, health profiles, configuration.

It remembers where every value came from, so errors can name the line (RELIABILITY 24, 32). Bytes are
decoded first: a size limit, UTF-8 only (a UTF-8 BOM is dropped), no NUL. Only plain YAML is accepted: the
event stream is checked before any node is built, so tags (such as `!!python/object`), anchors and aliases
(the "billion laughs" bomb), several documents and deep nesting are refused without constructing anything;
a key written twice is an error, never "the last one wins". Scalars are then typed as
`yaml.safe_load` types them (SafeLoader), except where YAML 1.1 reads a plain value as something a person
would not mean: only `true` and `false` are booleans (`on`, `off`, `yes`, `no` stay words, so `heat: off`
means off), and a base-60 number (`1:30`, which YAML 1.1 reads as 90) or an octal-looking one (`010`, read
as 8) is an error that says how to write it. A number too long to convert is an error.

Errors are ProgramErrors (each a ProgramError with file and line): errors.py's located error. A caller
reading another kind of file converts them to its own error (the health profile: SafetyRefusal).
"""

from __future__ import annotations

import codecs
import math
import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import yaml

from controller.errors import ProgramError, ProgramErrors

Path = tuple[str | int, ...]

MAX_BYTES = 64 * 1024    # RELIABILITY 24: larger files are refused before parsing
MAX_NESTING = 8          # RELIABILITY 24: nesting > 8 is rejected before building anything
MAX_EVENTS = 50_000      # far above any 64 KiB file; bounds the work a hostile file can cause
_MERGE_TAG = "tag:yaml.org,2002:merge"
_FOREIGN_BOMS = {
    codecs.BOM_UTF32_LE: "UTF-32", codecs.BOM_UTF32_BE: "UTF-32",
    codecs.BOM_UTF16_LE: "UTF-16", codecs.BOM_UTF16_BE: "UTF-16",
}


@dataclass(frozen=True, slots=True)
class Rules:
    """What kind of file is read, as messages name it (plural), and its limits."""

    kind: str = "program files"
    max_bytes: int = MAX_BYTES
    max_nesting: int = MAX_NESTING
    nesting_hint: str = ""   # what the format itself nests, said when the limit is passed


DEFAULT_RULES = Rules()

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


def load_yaml_bytes(data: bytes, file: str, rules: Rules = DEFAULT_RULES) -> tuple[Any, SourceMap]:
    """Plain data and its SourceMap from a file's bytes; raises ProgramErrors listing what is wrong."""
    return parse_yaml(decode_text(data, file, rules), file, rules)


def decode_text(data: bytes, file: str, rules: Rules = DEFAULT_RULES) -> str:
    """UTF-8 text of a file (a UTF-8 BOM is dropped); raises ProgramErrors otherwise."""
    if len(data) > rules.max_bytes:
        raise _one(f"file is {len(data)} bytes; {rules.kind} are limited to {rules.max_bytes}", file)
    for bom, name in _FOREIGN_BOMS.items():
        if data.startswith(bom):
            raise _one(f"file is {name}-encoded; save it as UTF-8", file)
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as err:
        line = data[: err.start].count(b"\n") + 1
        byte = data[err.start : err.start + 1].hex()
        raise _one(f"file is not UTF-8 text (byte 0x{byte}); save it as UTF-8", file, line) from None
    if "\x00" in text:
        line = text.count("\n", 0, text.index("\x00")) + 1
        raise _one("file holds a NUL character; it is not a text file", file, line)
    return text


def _one(message: str, file: str, line: int = 1) -> ProgramErrors:
    return ProgramErrors([ProgramError(message, file=file, line=line)])


def parse_yaml(text: str, file: str, rules: Rules = DEFAULT_RULES) -> tuple[Any, SourceMap]:
    """Plain data and its SourceMap from YAML text; raises ProgramErrors for unsafe or broken YAML."""
    _check_events(text, file, rules)
    try:
        loader = yaml.SafeLoader(text)
        try:
            root = loader.get_single_node()
        finally:
            loader.dispose()
    except yaml.YAMLError as err:
        raise ProgramErrors([_syntax_error(err, file)]) from err
    builder = _Builder(loader, file, rules.kind)
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


def _check_events(text: str, file: str, rules: Rules) -> None:
    """Refuse tags, anchors, aliases, several documents and deep nesting before composing any node."""
    errors: list[ProgramError] = []
    reported: set[str] = set()  # one line per kind of problem: an alias bomb is one problem
    depth = documents = 0
    try:
        for count, event in enumerate(yaml.parse(text, Loader=yaml.SafeLoader)):
            line = event.start_mark.line + 1 if event.start_mark else 1
            problem = _event_problem(event, depth, documents, count, rules)
            kind = problem.split(" (")[0] if problem else ""
            if problem and kind not in reported:
                reported.add(kind)
                errors.append(ProgramError(problem, file=file, line=line))
                if depth >= rules.max_nesting or count > MAX_EVENTS or len(errors) >= 20:
                    break
            depth += isinstance(event, yaml.CollectionStartEvent)
            depth -= isinstance(event, yaml.CollectionEndEvent)
            documents += isinstance(event, yaml.DocumentStartEvent)
    except yaml.YAMLError as err:
        errors.append(_syntax_error(err, file))
    if errors:
        raise ProgramErrors(errors)


def _event_problem(event: yaml.Event, depth: int, documents: int, count: int, rules: Rules) -> str | None:
    """What is unsafe or unsupported about one parser event, if anything."""
    kind = rules.kind
    if isinstance(event, yaml.AliasEvent):
        return f"YAML aliases (*{event.anchor}) are not allowed in {kind}"
    anchor, tag = getattr(event, "anchor", None), getattr(event, "tag", None)
    if anchor:
        return f"YAML anchors (&{anchor}) are not allowed in {kind}"
    if tag is not None:
        return f"YAML tags ({tag}) are not allowed in {kind}"
    if isinstance(event, yaml.CollectionStartEvent) and depth >= rules.max_nesting:
        hint = f" ({rules.nesting_hint})" if rules.nesting_hint else ""
        return f"nesting deeper than {rules.max_nesting} levels is not allowed in {kind}{hint}"
    if isinstance(event, yaml.DocumentStartEvent) and documents >= 1:
        return f"{kind} hold one YAML document; remove the second '---'"
    if count > MAX_EVENTS:
        return f"more than {MAX_EVENTS} YAML items; {kind} are far smaller"
    return None


_UNREADABLE = object()  # a scalar that could not be constructed (already reported)
MAX_SHOWN = 40          # characters of a value quoted in a message


def _shown(value: object) -> str:
    """A value as an error message quotes it, cut short: a 5,000-digit number is not repeated whole."""
    text = str(value)
    if len(text) <= MAX_SHOWN:
        return repr(value)
    return f"{text[:MAX_SHOWN] + '…'!r} ({len(text)} characters)"


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

    def __init__(self, loader: yaml.SafeLoader, file: str, kind: str) -> None:
        self.loader = loader
        self.file = file
        self.kind = kind
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
            self._error(node, f"YAML merge keys (<<) are not allowed in {self.kind}")
            return None
        key = self._construct(node, "key") if isinstance(node, yaml.ScalarNode) else None
        if not isinstance(key, str):
            if key is _UNREADABLE:
                return None
            shown = _shown(key) if isinstance(node, yaml.ScalarNode) else "a list or mapping"
            self._error(node, f"keys must be plain names, not {shown}")
            return None
        return key

    def _scalar(self, node: yaml.Node, path: Path) -> Any:
        key = next((p for p in reversed(path) if isinstance(p, str)), "value")
        value = self._construct(node, key)
        if value is _UNREADABLE:
            return None
        if isinstance(value, float) and not math.isfinite(value):
            self._error(node, f"{key}: {_shown(node.value)} is not a finite number")
            return None
        problem = _surprising_number(node, value)
        if problem:
            self._error(node, f"{key}: {node.value} is {problem}")
            return None
        return value

    def _construct(self, node: yaml.Node, key: str) -> Any:
        """The scalar's value as safe_load types it, but a YAML 1.1 boolean other than true/false is the word
        as written; a number Python will not convert is an error."""
        if node.tag == _BOOL_TAG and str(node.value).lower() not in ("true", "false"):
            return node.value
        try:
            return self.loader.construct_object(node)
        except ValueError:  # e.g. an integer of more digits than int() converts (sys.int_info)
            self._error(node, f"{key}: {_shown(node.value)} is not a number massagectl can read")
            return _UNREADABLE

    def _error(self, node: yaml.Node, message: str) -> None:
        self.errors.append(ProgramError(message, file=self.file, line=node.start_mark.line + 1))
