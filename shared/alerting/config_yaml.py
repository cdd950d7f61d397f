"""A tenant's configuration as YAML: read with errors by file, line and field; written back masked.

``load_config`` composes the document with PyYAML's safe loader (no Python tags), keeps every
node's position, builds plain values itself (refusing duplicate keys, unsupported tags and
runaway aliases) and validates the result as a ``TenantConfig``. Every problem becomes one
``ConfigError`` whose lines read ``acme.yaml:14: rules[2].min_severity: <what is wrong>``.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Any

import yaml
from pydantic import ValidationError
from pydantic_core import ErrorDetails

from shared.alerting.config import TenantConfig

MAX_BYTES = 1_048_576
# Nesting of mappings and sequences; a route tree 20 levels deep needs about 42.
MAX_DEPTH = 64
# Nodes visited while building values, aliases counted each time they are used: bounds the
# "billion laughs" expansion while leaving room for 5,000 assets.
MAX_NODES = 500_000
MAX_REPORTED = 20

Path = tuple[str | int, ...]
_TAG = "tag:yaml.org,2002:"
_SCALAR_TAGS = {_TAG + t for t in ("str", "int", "float", "bool", "null")}


class ConfigError(ValueError):
    """The configuration is unusable. Each line of the message is one problem, in the form
    ``source:line: field.path: reason``; ``problems`` holds those lines."""

    def __init__(self, problems: Sequence[str]) -> None:
        self.problems = list(problems)
        super().__init__("\n".join(self.problems))


def load_config(text: str, source: str = "<config>") -> TenantConfig:
    """Parse and validate one YAML document (empty: an empty configuration)."""
    if len(text.encode("utf-8", "surrogatepass")) > MAX_BYTES:
        raise ConfigError([f"{source}: larger than {MAX_BYTES // 1_048_576} MiB"])
    root = _compose(text, source)
    positions: dict[Path, int] = {}
    value = _Builder(source, positions).build(root, (), 0) if root is not None else {}
    if not isinstance(value, dict):
        raise ConfigError([f"{source}:{_line(root)}: the document must be a mapping of sections "
                           "(receivers, route, rules, …)"])
    try:
        return TenantConfig.model_validate(value)
    except ValidationError as exc:
        raise ConfigError(_problems(exc, value, positions, source)) from None


def dump_config(config: TenantConfig) -> str:
    """The configuration as YAML in field order, secrets masked (``config show``)."""
    return str(yaml.safe_dump(config.public(), sort_keys=False, allow_unicode=True, width=100))


class _Loader(yaml.SafeLoader):
    """The safe loader with a nesting limit while composing (composing recurses)."""

    depth = 0

    def compose_node(self, parent: Any, index: Any) -> Any:
        self.depth += 1
        try:
            if self.depth > MAX_DEPTH:
                mark = self.peek_event().start_mark
                raise yaml.MarkedYAMLError(problem=f"nested deeper than {MAX_DEPTH} levels",
                                           problem_mark=mark)
            return super().compose_node(parent, index)
        finally:
            self.depth -= 1


def _compose(text: str, source: str) -> yaml.Node | None:
    loader = _Loader(text)
    try:
        return loader.get_single_node()
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        where = f"{source}:{mark.line + 1}" if mark is not None else source
        reason = ": ".join(p for p in (exc.context, exc.problem) if p) or "not valid YAML"
        raise ConfigError([f"{where}: {reason}"]) from None
    except yaml.YAMLError as exc:
        raise ConfigError([f"{source}: not valid YAML: {exc}"]) from None
    finally:
        loader.dispose()


def _line(node: yaml.Node) -> int:
    return int(node.start_mark.line) + 1


class _Builder:
    """Plain values from nodes, recording the line of every field path on the way."""

    def __init__(self, source: str, positions: dict[Path, int]) -> None:
        self.source, self.positions, self.visits = source, positions, 0
        self.open: set[int] = set()  # collections being built: an alias back to one is a cycle
        self.scalars = yaml.SafeLoader("")

    def fail(self, node: yaml.Node, path: Path, reason: str) -> ConfigError:
        where = f"{format_path(path)}: " if path else ""
        return ConfigError([f"{self.source}:{_line(node)}: {where}{reason}"])

    def build(self, node: yaml.Node, path: Path, depth: int) -> Any:
        self.visits += 1
        if self.visits > MAX_NODES:
            raise self.fail(node, path, f"more than {MAX_NODES} values (aliases expanded)")
        if depth > MAX_DEPTH:
            raise self.fail(node, path, f"nested deeper than {MAX_DEPTH} levels (aliases expanded)")
        self.positions.setdefault(path, _line(node))
        if isinstance(node, yaml.CollectionNode):
            if id(node) in self.open:
                raise self.fail(node, path, "an alias refers to a value that contains it")
            self.open.add(id(node))
            try:
                return self.collection(node, path, depth)
            finally:
                self.open.discard(id(node))
        if node.tag == _TAG + "timestamp":
            return node.value  # no field is a timestamp: keep what was written
        if node.tag not in _SCALAR_TAGS:
            raise self.fail(node, path, f"unsupported tag {node.tag}")
        return self.scalars.construct_object(node)

    def collection(self, node: yaml.CollectionNode, path: Path, depth: int) -> Any:
        if isinstance(node, yaml.MappingNode):
            return self.mapping(node, path, depth)
        if node.tag != _TAG + "seq":
            raise self.fail(node, path, f"unsupported tag {node.tag}")
        return [self.build(item, (*path, i), depth + 1) for i, item in enumerate(node.value)]

    def mapping(self, node: yaml.MappingNode, path: Path, depth: int) -> dict[str, Any]:
        if node.tag != _TAG + "map":
            raise self.fail(node, path, f"unsupported tag {node.tag}")
        out: dict[str, Any] = {}
        for key_node, value_node in node.value:  # YAML merge keys (<<) first: explicit keys win
            if key_node.tag == _TAG + "merge":
                sources = value_node.value if isinstance(value_node, yaml.SequenceNode) else [value_node]
                for source in sources:
                    if not isinstance(source, yaml.MappingNode):
                        raise self.fail(source, path, "<< merges mappings only")
                    for key, value in self.build(source, path, depth).items():
                        out.setdefault(key, value)
        first: dict[str, int] = {}
        for key_node, value_node in node.value:
            if key_node.tag == _TAG + "merge":
                continue
            if not isinstance(key_node, yaml.ScalarNode):
                raise self.fail(key_node, path, "a key must be a plain name")
            key = str(key_node.value)
            if key in first:
                raise self.fail(key_node, (*path, key),
                                f"duplicate key {key!r} (first at line {first[key]})")
            first[key] = _line(key_node)
            # A field whose value is a block starts on its key's line, not the block's.
            self.positions[(*path, key)] = _line(key_node)
            out[key] = self.build(value_node, (*path, key), depth + 1)
        return out

def format_path(path: Sequence[str | int]) -> str:
    """``('rules', 2, 'min_severity')`` → ``rules[2].min_severity``."""
    text = ""
    for part in path:
        text += f"[{part}]" if isinstance(part, int) else (f".{part}" if text else str(part))
    return text


_PREFIXES = ("Value error, ", "Assertion failed, ")
_SECTION = re.compile(r"^([a-z_]+): (.*)$", re.DOTALL)
_QUOTED = re.compile(r"'([^']*)'")


def _problems(exc: ValidationError, value: dict[str, Any], positions: dict[Path, int],
              source: str) -> list[str]:
    found = []
    for error in exc.errors(include_input=False, include_url=False):
        path, message = _locate(error, value, positions)
        line = _nearest_line(path, positions)
        field = f"{format_path(path)}: " if path else ""
        found.append((line, f"{source}:{line}: {field}{message}"))
    found.sort(key=lambda item: item[0])
    lines = [text for _, text in found[:MAX_REPORTED]]
    if len(found) > MAX_REPORTED:
        lines.append(f"{source}: … and {len(found) - MAX_REPORTED} more problems")
    return lines


def _locate(error: ErrorDetails, value: dict[str, Any], positions: dict[Path, int]
            ) -> tuple[Path, str]:
    """The field path an error is about and its message. Pydantic's ``loc`` names the field; a
    model-level check has only its model's path, so its message's ``section: name: … 'value'``
    leads to the node it is about."""
    path: Path = tuple(p for p in error["loc"] if isinstance(p, int) or not p.startswith("["))
    message = error["msg"]
    for prefix in _PREFIXES:
        message = message.removeprefix(prefix)
    if error["type"] == "extra_forbidden":
        return path, "unknown key"
    if error["type"] != "value_error":
        return path, message
    if not path and (section := _SECTION.match(message)) and section.group(1) in value:
        name, message = section.group(1), section.group(2)
        path, items = (name,), value[name]
        named, _, rest = message.partition(": ")
        if rest and isinstance(items, list):
            index = _last_index(items, lambda item: isinstance(item, dict) and item.get("name") == named)
            if index is not None:
                path, message = (*path, index), rest
        quoted = _QUOTED.search(message)
        if quoted:
            path = _last_holding(path, quoted.group(1), value, positions) or path
        return path, message
    first_word = message.split(" ", 1)[0]
    if (*path, first_word) in positions:  # "above applies to country_index rules only"
        path = (*path, first_word)
    return path, message


def _last_index(items: list[Any], test: Any) -> int | None:
    hits = [i for i, item in enumerate(items) if test(item)]
    return hits[-1] if hits else None


def _last_holding(under: Path, text: str, value: Any, positions: dict[Path, int]) -> Path | None:
    """The last path below ``under`` whose value is ``text`` (the second use of a duplicate name,
    the route that names an unknown receiver)."""
    hits = [p for p in positions if p[: len(under)] == under and _get(value, p) == text]
    return hits[-1] if hits else None


def _get(value: Any, path: Path) -> Any:
    for part in path:
        try:
            value = value[part]
        except (KeyError, IndexError, TypeError):
            return None
    return value


def _nearest_line(path: Path, positions: dict[Path, int]) -> int:
    for end in range(len(path), -1, -1):
        if path[:end] in positions:
            return positions[path[:end]]
    return 1
