"""`fake-async-lint libraries [PATHS]`: which environment the analysis reads, what is installed in it,
and what was analysed of it (summary counts from the persistent store), so a user can see why a call
into a library was or was not followed."""

from __future__ import annotations

import argparse
import json
import os
import sys
from dataclasses import asdict, dataclass
from typing import Any, Callable, Optional

from .. import config
from ..cache import cache_dir_override
from ..config import ConfigError, Settings
from .distributions import Distribution, distributions
from .environment import Environment, environment_for


@dataclass(frozen=True)
class Counts:
    """What the store holds for one distribution."""

    modules: int = 0  # modules summarised
    functions: int = 0  # functions and methods summarised
    blocking: int = 0  # of them, proven to block (a chain down to a catalog API)
    hops: int = 0  # of them, thread hops (run a callable argument in a thread)
    awaitable: int = 0  # of them, async def or returning awaitables


# distribution key -> counts; fed by the store (index/store.py registers it with `set_analysed_source`)
AnalysedSource = Callable[[Settings, Environment, list[Distribution]], dict[str, Counts]]
_analysed_source: Optional[AnalysedSource] = None


def set_analysed_source(source: Optional[AnalysedSource]) -> None:
    global _analysed_source
    _analysed_source = source


def add_parser(sub: Any, environment_options: Callable[[argparse.ArgumentParser], None]) -> None:
    p = sub.add_parser(
        "libraries",
        help="show the environment whose installed libraries are followed, and what was analysed",
        description="Show which interpreter's libraries `check` follows (and why that one), "
        "the distributions installed there and what the summary store holds for them.",
    )
    p.add_argument(
        "paths", nargs="*", help="the project's files or directories (default: .): find the config and .venv"
    )
    p.add_argument("--config", metavar="PATH", help="read [tool.fake-async-lint] from this file only")
    p.add_argument("--isolated", action="store_true", help="ignore every config file")
    environment_options(p)
    p.add_argument(
        "--cache-dir",
        type=lambda text: config.parse_cache_dir(text),
        metavar="DIR",
        help="where library summaries are stored (default: the user cache directory)",
    )
    p.add_argument("--format", choices=("text", "json"), default="text", help="output format")


def run(args: argparse.Namespace) -> int:
    paths = list(args.paths) or ["."]
    for path in paths:
        if not os.path.exists(path):
            raise ConfigError(f"{path}: no such file or directory")
    overrides = {
        "python": args.python,
        "follow_imports": args.follow_imports,
        "cache_dir": cache_dir_override(args.cache_dir),
    }
    settings = config.resolve(paths, config=args.config, isolated=args.isolated, overrides=overrides)
    env = environment_for(settings, paths, python_from_flag=args.python is not None)
    dists = distributions(env.library_roots)
    if _analysed_source is None:
        from .summaries import analysed_counts

        set_analysed_source(analysed_counts)
    analysed = _analysed_source(settings, env, dists) if _analysed_source is not None else None
    report = build_report(settings, env, dists, analysed)
    sys.stdout.write(json.dumps(report, indent=2) + "\n" if args.format == "json" else render_text(report))
    return 0


def build_report(
    settings: Settings, env: Environment, dists: list[Distribution], analysed: Optional[dict[str, Counts]]
) -> dict[str, Any]:
    rows = []
    for d in dists:
        counts = analysed.get(d.key) if analysed is not None else None
        rows.append(
            {
                "name": d.name,
                "version": d.version,
                "key": d.key,
                "root": d.root,
                "top_level": list(d.top_level),
                "editable": d.editable,
                "analysed": asdict(counts) if counts is not None else None,
            }
        )
    total = Counts()
    if analysed:
        for d in dists:
            c = analysed.get(d.key)
            if c is not None:
                total = Counts(*(a + b for a, b in zip(asdict(total).values(), asdict(c).values())))
    return {
        "environment": env.to_dict(),
        "follow_imports": settings.follow_imports,
        "followed": settings.follow_imports == "all",
        "store": str(config.store_dir(settings)),
        "distributions": rows,
        "analysed": None
        if analysed is None
        else {"distributions": sum(1 for r in rows if r["analysed"]), **asdict(total)},
    }


_FOLLOW_NOTE = {
    "all": "calls into these libraries are followed",
    "project": "installed libraries are not followed (follow-imports = project)",
    "none": "neither libraries nor other project modules are followed (follow-imports = none)",
}


def render_text(report: dict[str, Any]) -> str:
    env = report["environment"]
    kind = "virtual environment" if env["virtualenv"] else "installation"
    version = f"Python {env['version']}" if env["version"] else "Python (version unknown)"
    lines = [
        f"python: {env['python']} ({version}, {kind} at {env['prefix']})",
        f"  chosen by: {_why(env['source'])}",
        "library roots:" if env["library_roots"] else "library roots: none",
        *(f"  {r}" for r in env["library_roots"]),
        "standard library (the catalog's job, not followed):",
        *(f"  {r}" for r in env["stdlib_roots"]),
        f"follow-imports: {report['follow_imports']}: {_FOLLOW_NOTE[report['follow_imports']]}",
        f"summary store: {report['store']}",
    ]
    dists = report["distributions"]
    lines.append(f"distributions: {len(dists)}")
    width = max((len(d["name"]) for d in dists), default=0)
    for d in dists:
        line = f"  {d['name']:<{width}}  {d['version']}"
        a = d["analysed"]
        if a is not None:
            line += (
                f"  analysed: {a['modules']} modules, {a['functions']} functions, {a['blocking']} blocking, "
                f"{a['hops']} hops, {a['awaitable']} async"
            )
        if d["editable"]:
            line += f"  (editable: {d['editable']})"
        lines.append(line)
    total = report["analysed"]
    if total is None:
        lines.append("analysed: nothing yet (no summary store)")
    else:
        lines.append(
            f"analysed: {total['distributions']} of {len(dists)} distributions: {total['modules']} modules, "
            f"{total['functions']} functions, {total['blocking']} blocking, {total['hops']} hops, "
            f"{total['awaitable']} async"
        )
    return "\n".join(lines) + "\n"


def _why(source: str) -> str:
    return {
        "--python": "--python (or the `python` key of the config file)",
        "$VIRTUAL_ENV": "$VIRTUAL_ENV (an activated virtual environment)",
        ".venv": "a .venv directory in the project root",
        "venv": "a venv directory in the project root",
        "running interpreter": "the interpreter running fake-async-lint (no --python, $VIRTUAL_ENV or .venv)",
    }.get(source, source)
