"""The one YAML loader: catalogs and workload files are read through :func:`load`.

PyYAML's safe constructors (no Python objects), plus what a hostile file needs bounded:

- **Duplicate keys** are refused, with the line of the second one (PyYAML keeps the last, so a
  second ``standard:`` block would silently re-price a model).
- **Nesting** deeper than :data:`MAX_DEPTH` is refused before the document is composed (PyYAML's
  composer recurses: 3,000 nested lists are a ``RecursionError``).
- **Aliases** may not expand the document past :data:`MAX_NODES` nodes (a "billion laughs" of a
  few hundred bytes is a billion nodes to anything that walks it).

Both bounds are checked on the parser's event stream, in one pass and without recursion, before
anything is built. Errors are :class:`YamlProblem` s with the 1-based line and one line of text.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

#: Deepest nesting of mappings and lists a catalog or workload may have (theirs is under 6).
MAX_DEPTH = 64
#: Most nodes a document may have once its aliases are expanded.
MAX_NODES = 100_000


@dataclass
class YamlProblem(Exception):
    """A YAML document that cannot be loaded: ``line`` (1-based, or None) and ``problem``."""

    line: int | None
    problem: str

    def __str__(self) -> str:
        return self.problem


def load(text: str, *, with_nodes: bool = False) -> Any:
    """The document in ``text`` as Python values (dict, list, str, int, float, bool, None, date).

    ``with_nodes``: return ``(node, data)``, the composed node tree (for key lines) and the data.
    Raises :class:`YamlProblem`.
    """
    import yaml

    _check_events(text)
    loader = _loader_class()(text)
    try:
        node = loader.get_single_node()
        data = loader.construct_document(node) if node is not None else None
    except yaml.YAMLError as exc:
        raise _problem(exc, text) from None
    finally:
        loader.dispose()
    return (node, data) if with_nodes else data


def _check_events(text: str) -> None:
    """Depth and expanded size from the event stream (no recursion, nothing built)."""
    import yaml

    base = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
    sizes: dict[str, int] = {}  # anchor -> expanded size of its node
    stack: list[tuple[str | None, int]] = []  # open collections: (anchor, size so far)
    total = 0
    try:
        for ev in yaml.parse(text, Loader=base):
            if isinstance(ev, yaml.CollectionStartEvent):
                if len(stack) >= MAX_DEPTH:
                    raise YamlProblem(_line(ev), f"nested more than {MAX_DEPTH} levels deep")
                stack.append((ev.anchor, 1))
                continue
            if isinstance(ev, yaml.CollectionEndEvent):
                anchor, size = stack.pop()
                if anchor is not None:
                    sizes[anchor] = size
            elif isinstance(ev, yaml.ScalarEvent):
                size = 1
                if ev.anchor is not None:
                    sizes[ev.anchor] = 1
            elif isinstance(ev, yaml.AliasEvent):
                size = sizes.get(ev.anchor or "", 1)  # an unknown anchor is the composer's error, below
            else:
                continue
            if stack:
                anchor, so_far = stack[-1]
                stack[-1] = (anchor, so_far + size)
                size = so_far + size
            else:
                total += size
            if size > MAX_NODES or total > MAX_NODES:
                raise YamlProblem(
                    _line(ev), f"aliases expand the document past {MAX_NODES:,} values; write the values out"
                )
    except yaml.YAMLError as exc:
        raise _problem(exc, text) from None


def _line(ev: Any) -> int | None:
    mark = getattr(ev, "start_mark", None)
    return None if mark is None else mark.line + 1


def _problem(exc: Exception, text: str) -> YamlProblem:
    mark = getattr(exc, "problem_mark", None)
    problem = getattr(exc, "problem", None) or str(exc).splitlines()[0]
    line = None if mark is None else mark.line + 1
    if "nesting depth" in problem:  # libyaml's own bound (1,000 levels) met before ours
        return YamlProblem(line, f"nested more than {MAX_DEPTH} levels deep")
    if line is not None and _tab_indented(text, line):
        # PyYAML names the tab as "a character that cannot start any token", or not at all
        return YamlProblem(line, "YAML does not allow tabs for indentation; use spaces")
    return YamlProblem(line, f"YAML syntax error: {problem}")


def _tab_indented(text: str, line: int) -> bool:
    """Whether the 1-based ``line`` of ``text`` has a tab in its indentation."""
    lines = text.splitlines()
    if not 0 < line <= len(lines):
        return False
    row = lines[line - 1]
    return "\t" in row[: len(row) - len(row.lstrip(" \t"))]


_LOADER: Any = None


def _loader_class() -> Any:
    """libyaml's C parser when present (~8x faster), PyYAML's safe constructors, and a mapping
    constructor that refuses a key given twice."""
    global _LOADER
    if _LOADER is not None:
        return _LOADER
    import yaml

    base = getattr(yaml, "CSafeLoader", yaml.SafeLoader)

    class Loader(base):  # type: ignore[misc, valid-type]
        def construct_mapping(self, node: Any, deep: bool = False) -> Any:
            if isinstance(node, yaml.MappingNode):
                seen: set[Any] = set()
                for key_node, _ in node.value:
                    if key_node.tag == "tag:yaml.org,2002:merge":
                        continue
                    key = self.construct_object(key_node, deep=True)
                    try:
                        dup = key in seen
                        seen.add(key)
                    except TypeError:  # an unhashable key: the base class words that error
                        continue
                    if dup:
                        raise YamlProblem(key_node.start_mark.line + 1, f"{key}: key appears twice")
            return super().construct_mapping(node, deep=deep)

    _LOADER = Loader
    return Loader
