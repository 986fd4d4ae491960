"""Read a spec file into plain data, refusing what YAML would accept silently or expand without bound.

- The file must be UTF-8 (YAML 1.1, PyYAML's dialect, allows nothing else for a file read as text here).
- A mapping may not repeat a key: PyYAML keeps the last value, so ``count: 2`` then ``count: 64`` would mean 64.
- Aliases may not expand the document past ``MAX_EXPANDED_NODES`` values (a "billion laughs" bomb is a few
  hundred bytes that expand to gigabytes once validation walks or prints it), nor refer to themselves.
- The file may not exceed ``MAX_SPEC_BYTES``, nor nest deeper than ``MAX_DEPTH``.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml
from yaml.nodes import MappingNode, Node, SequenceNode

from ultrafleet.findings import SpecError, error, excerpt

MAX_SPEC_BYTES = 1024 * 1024
"""1 MiB: the reference spec is 3 KB; anything larger is not a hand-written spec."""
MAX_EXPANDED_NODES = 100_000
"""Values the document may hold once every alias is expanded (the reference spec holds about 300)."""
MAX_DEPTH = 64
"""Nested mappings and sequences (the reference spec nests 6 deep)."""
_MERGE_TAG = "tag:yaml.org,2002:merge"


class _StrictLoader(yaml.SafeLoader):
    """SafeLoader that rejects a key repeated in one mapping (merge keys ``<<`` excepted: explicit keys may
    override merged ones, as YAML intends)."""

    def construct_mapping(self, node: MappingNode, deep: bool = False) -> dict[Any, Any]:
        seen: dict[Any, Node] = {}
        for key_node, _ in node.value:
            if key_node.tag == _MERGE_TAG:
                continue
            key = self.construct_object(key_node, deep=True)
            try:
                repeated = key in seen
            except TypeError:  # an unhashable key: SafeLoader reports it below
                break
            if repeated:
                line = key_node.start_mark.line + 1
                first = seen[key].start_mark.line + 1
                raise yaml.constructor.ConstructorError(
                    None,
                    None,
                    f"key {excerpt(key)} appears twice in one mapping (lines {first} and {line}); keep one",
                    key_node.start_mark,
                )
            seen[key] = key_node
        return super().construct_mapping(node, deep=deep)


def _check_depth(text: str) -> None:
    """Raise ValueError past MAX_DEPTH, reading parser events (iterative, unlike composing, which recurses)."""
    depth = 0
    for event in yaml.parse(text, Loader=yaml.SafeLoader):
        if isinstance(event, (yaml.MappingStartEvent, yaml.SequenceStartEvent)):
            depth += 1
            if depth > MAX_DEPTH:
                raise ValueError(f"it nests more than {MAX_DEPTH} levels deep; flatten it")
        elif isinstance(event, (yaml.MappingEndEvent, yaml.SequenceEndEvent)):
            depth -= 1


def _expanded_size(root: Node) -> int:
    """Values in the document with aliases expanded, counted once per shared node; raises ValueError past the
    bound or on a node that contains itself."""
    sizes: dict[int, int] = {}
    active: set[int] = set()

    def size(node: Node) -> int:
        key = id(node)
        if key in sizes:
            return sizes[key]
        if key in active:
            raise ValueError("an alias refers to the node that contains it; remove the alias")
        active.add(key)
        total = 1
        if isinstance(node, SequenceNode):
            total += sum(size(child) for child in node.value)
        elif isinstance(node, MappingNode):
            total += sum(size(k) + size(v) for k, v in node.value)
        active.discard(key)
        if total > MAX_EXPANDED_NODES:
            raise ValueError(
                f"aliases expand it to more than {MAX_EXPANDED_NODES:,} values; write the values out or use fewer "
                "aliases"
            )
        sizes[key] = total
        return total

    return size(root)


def _invalid(path: Path, why: str) -> SpecError:
    return SpecError([error("UF-SPEC-000", excerpt(str(path), quote=False), why)])


def read_spec_data(path: Path) -> Any:
    """The spec file's data; raises SpecError (UF-SPEC-000) for an unreadable, oversized, non-UTF-8 or invalid
    YAML file, a repeated key, or aliases that expand past the bound."""
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise _invalid(path, f"cannot be read: {exc.strerror}") from None
    if len(raw) > MAX_SPEC_BYTES:
        raise _invalid(path, f"is {len(raw):,} bytes; a spec may be at most {MAX_SPEC_BYTES:,} bytes")
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise _invalid(
            path, f"is not UTF-8 text (byte 0x{raw[exc.start]:02x} at offset {exc.start}); save it as UTF-8"
        ) from None
    loader = _StrictLoader(text)
    try:
        _check_depth(text)
        root = loader.get_single_node()
        if root is None:
            return None
        _expanded_size(root)
        return loader.construct_document(root)
    except yaml.YAMLError as exc:
        where = getattr(exc, "problem_mark", None)
        line = f" at line {where.line + 1}" if where else ""
        problem = getattr(exc, "problem", None) or str(exc)
        context = getattr(exc, "context", None)
        detail = f"{context}: {problem}" if context else problem
        raise _invalid(path, f"is not valid YAML{line}: {excerpt(detail, quote=False)}") from None
    except ValueError as exc:
        raise _invalid(path, f"is refused: {exc}") from None
    except RecursionError:  # a structure _check_depth lets through but Python cannot build
        raise _invalid(path, "nests too deeply; a spec needs a few levels, not thousands") from None
    finally:
        loader.dispose()
