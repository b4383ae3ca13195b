"""Safe reading of YAML and JSON into plain data, remembering the line of every value.

PyYAML's safe composer builds a node tree; we turn it into plain Python ourselves so that we can
(1) record the line of every key and value, (2) keep identifier-like scalars as the text the user
wrote (``NO`` is Norway, not false; ``8457.10`` must not become 8457.1), and (3) refuse alias bombs
and absurd nesting before they cost memory or a stack overflow.
"""

from __future__ import annotations

import hashlib
import json
import re
import stat
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import yaml
from yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode

from compliance.models.errors import InputError

Loc = tuple[str | int, ...]

#: libyaml's parser where PyYAML was built with it (about four times faster than the pure-Python one,
#: which is what a one-item check spends most of its time in); the same safe loader otherwise.
_LOADER: type[yaml.SafeLoader] = getattr(yaml, "CSafeLoader", yaml.SafeLoader)

#: Manifests above this size are refused before parsing (raise with --max-size).
DEFAULT_MAX_BYTES = 50 * 1024 * 1024
#: Deeper nesting than this is no manifest a person wrote.
MAX_DEPTH = 64
#: Values produced through aliases beyond this are an alias bomb ("billion laughs").
MAX_ALIAS_EXPANSION = 10_000

#: Keys whose plain scalars are identifiers or codes: kept as the text written.
TEXT_KEYS = frozenset(
    {
        "id", "origin", "destination", "country", "country_of_manufacture", "transport_destination",
        "serial_number", "model", "software_version", "reference", "container", "covers",
        "accreditations", "importer_registration", "version", "languages", "manufacturer",
        "description", "exporter", "importer", "vessel", "name", "verifier", "body", "documents",
    }
)  # fmt: skip


@dataclass(frozen=True)
class Located:
    """Plain data read from a file, with the line of each value (1-based) by its path."""

    data: Any
    path: Path
    #: The line of each value; for a workbook, its cell ("Items!F7").
    lines: Mapping[Loc, int | str] = field(default_factory=dict)
    #: SHA-256 of the bytes the data was read from (None for data not read from a file).
    sha256: str | None = None

    def line_of(self, loc: Loc) -> int | str | None:
        """The line of ``loc``, or of its nearest enclosing value when it has none of its own."""
        probe = tuple(loc)
        while True:
            if probe in self.lines:
                return self.lines[probe]
            if not probe:
                return None
            probe = probe[:-1]


#: C0 control characters other than tab, newline and carriage return, DEL, and the non-characters
#: U+FFFE/U+FFFF: no text a person wrote holds them, and YAML refuses them with a parser's words.
_CONTROL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\ufffe\uffff]")


def read_bytes(
    path: Path,
    *,
    max_bytes: int | None = DEFAULT_MAX_BYTES,
    limit_hint: str | None = None,
    streams: bool = False,
) -> bytes:
    """A regular file's bytes, read with a byte limit: the size the file system reports is not trusted
    (/dev/zero reports 0 and never ends; a FIFO blocks), so anything else is refused before opening.
    ``streams`` admits a pipe or a character device too (a manifest piped in), still byte-limited."""
    try:
        info = path.stat()
    except FileNotFoundError:
        raise InputError("file not found", file=path) from None
    except OSError as exc:
        raise InputError(f"cannot read the file: {exc.strerror}", file=path) from None
    if stat.S_ISDIR(info.st_mode):
        raise InputError("is a folder; expected a file", file=path)
    streamed = streams and (stat.S_ISFIFO(info.st_mode) or stat.S_ISCHR(info.st_mode))
    if not stat.S_ISREG(info.st_mode) and not streamed:
        raise InputError("is not a regular file (a device, a pipe or a socket); expected a file", file=path)
    try:
        with path.open("rb") as fh:
            raw = fh.read(max_bytes + 1) if max_bytes is not None else fh.read()
    except OSError as exc:
        raise InputError(f"cannot read the file: {exc.strerror}", file=path) from None
    if max_bytes is not None and len(raw) > max_bytes:
        hint = f" ({limit_hint})" if limit_hint else ""
        raise InputError(f"file is over the limit of {max_bytes:,} bytes{hint}", file=path)
    return raw


def read_text(path: Path, *, max_bytes: int | None = DEFAULT_MAX_BYTES, limit_hint: str | None = None) -> str:
    """Read a UTF-8 text file, refusing missing, oversized, binary, non-UTF-8 files and control characters."""
    return decode_text(read_bytes(path, max_bytes=max_bytes, limit_hint=limit_hint), path)


def decode_text(raw: bytes, path: Path) -> str:
    """Bytes as UTF-8 text, refusing binary, non-UTF-8, control characters and empty files."""
    if b"\x00" in raw:
        raise InputError("binary file (contains NUL bytes); expected UTF-8 text", file=path)
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        raise InputError(
            f"not UTF-8 text (byte 0x{raw[exc.start]:02x}); save the file as UTF-8", file=path, line=line
        ) from None
    bad = _CONTROL.search(text)
    if bad:
        line = text.count("\n", 0, bad.start()) + 1
        column = bad.start() - (text.rfind("\n", 0, bad.start()) + 1) + 1
        raise InputError(
            f"control character U+{ord(bad.group()):04X} in the text; remove it (it is invisible in most editors)",
            file=path, line=line, column=column,
        )  # fmt: skip
    if not text.strip():
        raise InputError("file is empty", file=path)
    return text


def load_file(
    path: Path,
    *,
    max_bytes: int | None = DEFAULT_MAX_BYTES,
    limit_hint: str | None = None,
    streams: bool = False,
    as_json: bool = False,
    cached: bool = False,
) -> Located:
    """Load a YAML or JSON file (by suffix; anything else is read as YAML) with locations, and the
    SHA-256 of the bytes read (what the audit log records, even for a manifest piped in).

    ``cached``: the parse of the same bytes may come from, and goes to, `parsed_cache` (rulesets,
    which are the same file at every run; never a manifest, which is new each time)."""
    raw = read_bytes(path, max_bytes=max_bytes, limit_hint=limit_hint, streams=streams)
    sha256 = hashlib.sha256(raw).hexdigest()
    json_file = as_json or path.suffix.lower() == ".json"
    if cached:
        from compliance.reading import parsed_cache

        key = f"{sha256}:{'json' if json_file else 'yaml'}"  # the same bytes read as the other format differ
        hit = parsed_cache.get(key)
        if hit is not None:
            return Located(data=hit[0], path=path, lines=hit[1], sha256=sha256)
    text = decode_text(raw, path)
    located = _load_json(text, path) if json_file else _load_yaml(text, path)
    if cached:
        parsed_cache.put(key, located.data, dict(located.lines))
    return replace(located, sha256=sha256)


def load_text(text: str, path: Path) -> Located:
    """Load YAML text (already read) with locations; ``path`` names it in messages."""
    return _load_yaml(text, path)


def _load_json(text: str, path: Path) -> Located:
    """JSON as the json module reads it (tabs, surrogate-pair escapes, 1e2 are all valid JSON); lines
    come from composing the same text as YAML where that succeeds, and are simply absent where not."""

    def no_duplicates(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
        out: dict[str, Any] = {}
        for key, value in pairs:
            if key in out:
                raise InputError(f"key '{key}' appears twice in the same object", file=path)
            out[key] = value
        return out

    try:
        data = json.loads(text, object_pairs_hook=no_duplicates)
    except json.JSONDecodeError as exc:
        raise InputError(
            f"JSON syntax error: {exc.msg}", file=path, line=exc.lineno, column=exc.colno
        ) from None
    except RecursionError:
        raise InputError(f"nesting deeper than {MAX_DEPTH} levels", file=path) from None
    if _depth(data) > MAX_DEPTH:
        raise InputError(f"nesting deeper than {MAX_DEPTH} levels", file=path)

    def compose() -> Mapping[Loc, int | str]:
        try:
            return _load_yaml(text, path, json_mode=True).lines
        except InputError:
            return {}

    # Lines are needed only to name where a value is wrong: composed when first asked for (a large,
    # valid JSON file is read at json's speed, not YAML's).
    return Located(data=data, path=path, lines=_LazyLines(compose))


class _LazyLines(Mapping[Loc, int | str]):
    """The lines of a file's values, found the first time one is asked for."""

    def __init__(self, compose: Callable[[], Mapping[Loc, int | str]]) -> None:
        self._compose: Callable[[], Mapping[Loc, int | str]] | None = compose
        self._lines: Mapping[Loc, int | str] = {}

    def _found(self) -> Mapping[Loc, int | str]:
        if self._compose is not None:
            self._lines, self._compose = self._compose(), None
        return self._lines

    def __getitem__(self, loc: Loc) -> int | str:
        return self._found()[loc]

    def __iter__(self) -> Iterator[Loc]:
        return iter(self._found())

    def __len__(self) -> int:
        return len(self._found())


def _depth(value: Any) -> int:
    """Nesting depth (the root is at 0, a value in it at 1), level by level: no recursion (that could
    itself overflow the stack), and only containers are visited one at a time (a large, shallow
    file's values are filtered by a comprehension, not walked)."""
    level = [value] if type(value) in (dict, list) else []
    depth = 0
    deepest = 0
    while level and deepest <= MAX_DEPTH:
        below: list[Any] = []
        for node in level:
            values = node.values() if type(node) is dict else node
            if values:
                deepest = depth + 1  # a container that holds anything holds it one level down
                below.extend([v for v in values if type(v) in (dict, list)])
        depth += 1
        deepest = max(deepest, depth if below else 0)
        level = below
    return deepest


#: The parser's words, and what they usually mean in a file a person wrote.
_PLAIN_WORDS = (
    (
        "mapping values are not allowed",
        "a colon inside a value: put the value in quotes, or check the indentation",
    ),
    (
        "could not find expected ':'",
        "a line that is neither 'key: value' nor a list item, or a quote never closed",
    ),
    ("did not find expected key", "this line is indented differently from the lines around it"),
    ("expected <block end>", "this line is indented differently from the lines around it"),
    ("did not find expected '-' indicator", "a list item is indented differently from the items before it"),
    ("found undefined alias", "an alias (*name) with no anchor (&name) before it"),
    ("found unexpected end of stream", "a quote or bracket is opened and never closed"),
    (
        "found character that cannot start any token",
        "a character YAML reserves (such as @ or `) starts a value: put it in quotes",
    ),
    ("found unknown escape character", "a backslash inside double quotes: use single quotes, or write \\\\"),
)


def _load_yaml(text: str, path: Path, *, json_mode: bool = False) -> Located:
    loader = _LOADER(text)
    try:
        try:
            root = loader.get_single_node()
        except RecursionError:
            raise InputError(f"nesting deeper than {MAX_DEPTH} levels", file=path) from None
        except yaml.MarkedYAMLError as exc:
            mark = exc.problem_mark or exc.context_mark
            problem = exc.problem or "syntax error"
            hint = ""
            if "\t" in text and ("tab" in problem or "found character" in problem):
                hint = " (YAML does not allow tabs for indentation; use spaces)"
            else:
                plain = next((words for part, words in _PLAIN_WORDS if part in problem), None)
                hint = f" ({plain})" if plain else ""
            raise InputError(
                f"{'JSON' if json_mode else 'YAML'} syntax error: {problem}{hint}",
                file=path,
                line=mark.line + 1 if mark else None,
                column=mark.column + 1 if mark else None,
            ) from None
        except yaml.YAMLError as exc:
            raise InputError(f"cannot read: {exc}", file=path) from None
        if root is None:
            raise InputError("file holds no data (only comments or blank lines)", file=path)
        converter = _Converter(loader, path)
        data = converter.convert(root, (), 0, None)
        if data is None:
            raise InputError("file holds no data (an empty document)", file=path)
        return Located(data=data, path=path, lines=converter.lines)
    finally:
        loader.dispose()


class _Converter:
    def __init__(self, loader: Any, path: Path) -> None:
        self.loader = loader
        self.path = path
        self.lines: dict[Loc, int | str] = {}
        self.seen: set[int] = set()
        self.alias_expansion = 0

    def _fail(self, message: str, node: Node) -> InputError:
        return InputError(
            message, file=self.path, line=node.start_mark.line + 1, column=node.start_mark.column + 1
        )

    def convert(self, node: Node, loc: Loc, depth: int, key: str | None) -> Any:
        if depth > MAX_DEPTH:
            raise self._fail(f"nesting deeper than {MAX_DEPTH} levels", node)
        if id(node) in self.seen:
            # The same node again means an alias: count what it expands to.
            self.alias_expansion += 1
            if self.alias_expansion > MAX_ALIAS_EXPANSION:
                raise self._fail(
                    f"YAML aliases expand to more than {MAX_ALIAS_EXPANSION:,} values (an alias bomb?)", node
                )
        else:
            self.seen.add(id(node))
        self.lines.setdefault(loc, node.start_mark.line + 1)
        if isinstance(node, MappingNode):
            return self._mapping(node, loc, depth)
        if isinstance(node, SequenceNode):
            if node.tag != "tag:yaml.org,2002:seq":
                raise self._fail(f"YAML tag {node.tag} is not allowed", node)
            return [self.convert(child, (*loc, i), depth + 1, key) for i, child in enumerate(node.value)]
        assert isinstance(node, ScalarNode)
        return self._scalar(node, key)

    def _mapping(self, node: MappingNode, loc: Loc, depth: int) -> dict[str, Any]:
        if node.tag != "tag:yaml.org,2002:map":
            raise self._fail(f"YAML tag {node.tag} is not allowed", node)
        merge = next((k for k, _ in node.value if k.tag == "tag:yaml.org,2002:merge"), None)
        if merge is not None:
            # Merge keys expand before any alias count could see them (a few hundred bytes can ask for
            # gigabytes), and they are not part of YAML 1.2. Refused, with words that say so.
            raise self._fail(
                "YAML merge keys (<<) are not supported: write the keys out in full (anchors and aliases "
                "of whole values are fine)",
                merge,
            )
        out: dict[str, Any] = {}
        for key_node, value_node in node.value:
            if not isinstance(key_node, ScalarNode):
                raise self._fail("a key must be a plain word", key_node)
            key = str(key_node.value)
            if key in out:
                raise self._fail(f"key '{key}' appears twice in the same mapping", key_node)
            child = (*loc, key)
            self.lines[child] = key_node.start_mark.line + 1
            out[key] = self.convert(value_node, child, depth + 1, key)
        return out

    def _scalar(self, node: ScalarNode, key: str | None) -> Any:
        plain = not node.style  # None (pure-Python parser) or "" (libyaml) for a plain scalar
        tag = node.tag
        if not tag.startswith("tag:yaml.org,2002:"):
            raise self._fail(f"YAML tag {tag} is not allowed", node)
        if key == "hs_code" and plain and tag in ("tag:yaml.org,2002:float", "tag:yaml.org,2002:int"):
            raise self._fail(
                f"HS code written as a bare number ({node.value}) may have lost digits "
                f'(8457.10 reads as 8457.1); write it in quotes, e.g. hs_code: "{node.value}"',
                node,
            )
        if key in TEXT_KEYS and plain and tag != "tag:yaml.org,2002:null":
            return str(node.value)
        if tag == "tag:yaml.org,2002:str":
            return node.value  # what the safe constructor returns for a string, without its dispatch
        try:
            return self.loader.construct_object(node, deep=True)
        except (ValueError, OverflowError) as exc:
            raise self._fail(f"'{node.value}' is not a valid value ({exc})", node) from None
        except yaml.YAMLError as exc:
            raise self._fail(f"cannot read value '{node.value}': {exc}", node) from None
