"""What an expression is known to be, after import resolution and simple data flow.

`None` (the Python value) stands for "unknown": the model never guesses.
"""

from __future__ import annotations

import ast
from dataclasses import dataclass, field
from typing import Optional, Union


@dataclass(frozen=True)
class Ref:
    """A qualified name: a module, or a function/class/attribute reached through one."""

    qualname: str

    def attr(self, name: str) -> Ref:
        return Ref(f"{self.qualname}.{name}")


@dataclass(frozen=True)
class Maybe:
    """Why an object is only possibly of its type: the name was bound to it on one path
    (`f = open(p)` in one branch, `f = io.BytesIO()` in the other)."""

    name: str
    line: int
    source: str  # the binding's expression as written, shortened: "open()"


@dataclass(frozen=True)
class Instance:
    """An object of a catalog type, plus the attribute path read from it.

    `client.chat.completions` is Instance("openai.OpenAI", ("chat", "completions")).
    """

    type: str
    path: tuple[str, ...] = ()
    # known only from an annotation (some types, like sockets, are often non-blocking then)
    declared: bool = field(default=False, compare=False)
    # set when only one of the bindings that reach the use gives this object
    maybe: Optional[Maybe] = field(default=None, compare=False)


@dataclass(frozen=True)
class LocalFunction:
    """A function or method defined in the analysed module."""

    node: ast.FunctionDef | ast.AsyncFunctionDef
    owner: Optional[ast.ClassDef] = None

    @property
    def is_async(self) -> bool:
        return isinstance(self.node, ast.AsyncFunctionDef)


@dataclass(frozen=True)
class LocalClass:
    """A class defined in the analysed module (calling it gives a LocalObject)."""

    node: ast.ClassDef


@dataclass(frozen=True)
class LocalObject:
    """An instance of a local class: `self` in its methods, or `Repo()`."""

    cls: ast.ClassDef


@dataclass(frozen=True)
class RelativeRef:
    """A name from a relative import, resolved only in project mode."""

    level: int
    module: str  # may be "" for `from . import x`
    name: str


@dataclass(frozen=True)
class ImportedObject:
    """What calling an imported name outside the catalog gives (`Repo()` after
    `from app.repo import Repo`), plus the attribute path read from it.

    Nothing is known about it in one module; the project phase (FAS300) looks the
    factory up among the scanned modules and uses it only if it is a class there.
    """

    factory: Union[Ref, RelativeRef]
    path: tuple[str, ...] = ()


@dataclass(frozen=True)
class Collection:
    """A container typed by an annotation (`list[Path]`, `dict[Path, float]`): iterating it
    gives `key` (the items of a sequence, the keys of a mapping); `.values()` gives `value`."""

    key: object = None  # a Value, or None when unknown
    value: object = None
    mapping: bool = False


Value = Union[Ref, Instance, LocalFunction, LocalClass, LocalObject, RelativeRef, ImportedObject, Collection]
