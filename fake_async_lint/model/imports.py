"""Import statements -> the names they bind and what those names refer to."""

from __future__ import annotations

import ast
from typing import Iterator

from .values import Ref, RelativeRef, Value


def import_bindings(node: ast.Import) -> Iterator[tuple[str, Value]]:
    """`import a.b` binds `a` to module a; `import a.b as c` binds `c` to a.b."""
    for alias in node.names:
        if alias.asname:
            yield alias.asname, Ref(alias.name)
        else:
            top = alias.name.split(".", 1)[0]
            yield top, Ref(top)


def import_from_bindings(node: ast.ImportFrom) -> Iterator[tuple[str, Value]]:
    """`from a import b as c` binds `c` to a.b; relative imports stay unresolved."""
    for alias in node.names:
        bound = alias.asname or alias.name
        if node.level:
            yield bound, RelativeRef(node.level, node.module or "", alias.name)
        elif node.module and node.module != "__future__":
            yield bound, Ref(f"{node.module}.{alias.name}")
