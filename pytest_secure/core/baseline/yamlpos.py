"""YAML to plain Python data, remembering where every key and value stood.

PyYAML's safe composer builds the node tree (no arbitrary objects, ever); this module turns
it into dicts, lists and scalars and records a ``(line, column)`` for each key path, so that
validation errors can point at the exact place in the file.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field
from typing import Any

import yaml

from ..errors import YamlProblem

Path = tuple[str | int, ...]
MAX_NODES = 100_000  # aliases can make a small file expand enormously ("billion laughs")
MAX_DEPTH = 64  # lists and mappings nested deeper than this are refused (docs/baseline.md)


@dataclass
class Positions:
    """1-based (line, column) of each value and each mapping key, by key path."""

    values: dict[Path, tuple[int, int]] = field(default_factory=dict)
    keys: dict[Path, tuple[int, int]] = field(default_factory=dict)

    def of(self, path: Path, *, key: bool = False) -> tuple[int, int]:
        """Position of ``path``; falls back to the nearest parent that has one."""
        table = self.keys if key else self.values
        while path:
            if path in table:
                return table[path]
            if path in self.values:
                return self.values[path]
            path = path[:-1]
        return self.values.get((), (1, 1))


_PLAIN_TAGS = {f"tag:yaml.org,2002:{t}" for t in ("str", "int", "float", "bool", "null", "timestamp", "map", "seq")}


def _pos(node: yaml.Node) -> tuple[int, int]:
    return node.start_mark.line + 1, node.start_mark.column + 1


class _Builder:
    def __init__(self) -> None:
        self.positions = Positions()
        self.count = 0
        self.constructor = yaml.SafeLoader("")  # used only to resolve scalar tags

    def build(self, node: yaml.Node, path: Path) -> Any:
        self.count += 1
        if self.count > MAX_NODES:
            raise YamlProblem(*_pos(node), f"the document expands to more than {MAX_NODES} nodes (alias bomb?)")
        self.positions.values[path] = _pos(node)
        if isinstance(node, yaml.CollectionNode) and len(path) >= MAX_DEPTH:  # deep through aliases (*a)
            raise YamlProblem(*_pos(node), f"lists and mappings are nested more than {MAX_DEPTH} levels deep "
                                           "through aliases; a baseline never needs that: flatten this value")
        if node.tag not in _PLAIN_TAGS:
            raise YamlProblem(*_pos(node), f"unsupported YAML tag {node.tag} (only plain YAML is allowed)")
        if isinstance(node, yaml.MappingNode):
            result: dict[str, Any] = {}
            for key_node, value_node in node.value:
                if key_node.tag == "tag:yaml.org,2002:merge":
                    raise YamlProblem(*_pos(key_node), "merge keys (<<) are not supported; write the keys out")
                if not isinstance(key_node, yaml.ScalarNode):
                    raise YamlProblem(*_pos(key_node), "mapping keys must be plain strings")
                key = str(self._scalar(key_node))
                if key in result:
                    raise YamlProblem(*_pos(key_node), f"duplicate key {key!r}")
                self.positions.keys[(*path, key)] = _pos(key_node)
                result[key] = self.build(value_node, (*path, key))
            return result
        if isinstance(node, yaml.SequenceNode):
            return [self.build(item, (*path, i)) for i, item in enumerate(node.value)]
        return self._scalar(node)

    def _scalar(self, node: yaml.Node) -> Any:
        if node.tag == "tag:yaml.org,2002:timestamp":
            return node.value  # keep dates as written (2027-13-45 too); the schema checks them
        try:
            value = self.constructor.construct_object(node)
        except (ValueError, OverflowError) as exc:  # e.g. a number of more than 4300 digits
            why = "the number is too long" if "digits" in str(exc) else str(exc)
            raise YamlProblem(*_pos(node), f"cannot read the value {_short(node.value)}: {why}; "
                                           "write a shorter value (or quote it if it is text)") from None
        if isinstance(value, datetime.date | datetime.datetime):
            return node.value
        return value


def _short(text: str) -> str:
    return repr(text) if len(text) <= 40 else repr(text[:37] + "...")


class _DepthLoader(yaml.SafeLoader):
    """PyYAML's safe loader, refusing lists and mappings nested deeper than :data:`MAX_DEPTH`
    (its composer recurses once per level: 900 levels would end in a RecursionError)."""

    depth = 0

    def compose_node(self, parent: yaml.Node | None, index: Any) -> yaml.Node | None:
        event = self.peek_event()
        if not isinstance(event, yaml.CollectionStartEvent):
            return super().compose_node(parent, index)  # type: ignore[no-any-return]
        self.depth += 1
        try:
            if self.depth > MAX_DEPTH:
                mark = event.start_mark
                line, col = (mark.line + 1, mark.column + 1) if mark is not None else (1, 1)
                raise YamlProblem(line, col,
                                  f"lists and mappings are nested more than {MAX_DEPTH} levels deep here; "
                                  "a baseline never needs that: flatten this value")
            return super().compose_node(parent, index)  # type: ignore[no-any-return]
        finally:
            self.depth -= 1


def _line_col(text: str, index: int) -> tuple[int, int]:
    """1-based line and column of the character at ``index`` of ``text``."""
    line = text.count("\n", 0, index) + 1
    return line, index - (text.rfind("\n", 0, index) + 1) + 1


def load_yaml(text: str) -> tuple[Any, Positions]:
    """Parse one YAML document safely; raise :class:`YamlProblem` with a position on error."""
    loader: _DepthLoader | None = None
    try:
        loader = _DepthLoader(text)  # the reader refuses control characters here already
        node = loader.get_single_node()
    except yaml.reader.ReaderError as exc:  # a NUL byte or another control character
        line, col = _line_col(text, exc.position)
        raise YamlProblem(line, col, f"the file contains the control character U+{exc.character:04X}, "
                                     "which YAML does not allow; remove it (a text editor shows it "
                                     "as ^@ or a box)") from None
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line, col = (mark.line + 1, mark.column + 1) if mark else (1, 1)
        raise YamlProblem(line, col, f"not valid YAML: {exc.problem or exc.context}") from None
    except yaml.YAMLError as exc:  # e.g. a second document
        raise YamlProblem(1, 1, f"not valid YAML: {exc}") from None
    finally:
        if loader is not None:
            loader.dispose()
    if node is None:
        return None, Positions()
    builder = _Builder()
    return builder.build(node, ()), builder.positions
