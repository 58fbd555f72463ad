"""The `fix` subcommand's arguments and run, kept here so cli.py only registers it."""

from __future__ import annotations

import argparse
import dataclasses
import sys
from typing import Any, Callable

from .. import config as _config
from ..config import Settings

EXIT_CLEAN, EXIT_FINDINGS, EXIT_USAGE = 0, 1, 2


def _codes(text: str) -> tuple[str, ...]:
    parse: Callable[[Any], tuple[str, ...]] | None = getattr(_config, "parse_codes", None)
    if parse is None:
        return tuple(c.strip().upper() for c in text.split(",") if c.strip())
    try:
        return parse(text)
    except ValueError as e:
        raise argparse.ArgumentTypeError(str(e)) from None


def _globs(text: str) -> tuple[str, ...]:
    return tuple(g.strip() for g in text.split(",") if g.strip())


def add_parser(sub: Any) -> argparse.ArgumentParser:
    """Register `fix` on the command's subparsers."""
    p: argparse.ArgumentParser = sub.add_parser(
        "fix",
        help="apply the safe fixes (FAS202 get_running_loop, FAS101 asyncio.sleep) in place",
        description=(
            "Apply the safe fixes that findings carry, keeping the rest of each file byte for byte. "
            "A file whose fixed code would not parse is left unchanged. Needs the `fix` extra (ast-grep-py)."
        ),
    )
    p.add_argument("paths", nargs="*", help="files or directories (default: .)")
    p.add_argument("--diff", action="store_true", help="print a unified diff of the fixes; write nothing")
    p.add_argument("--select", type=_codes, help="codes or prefixes to fix (replaces the default)")
    p.add_argument("--extend-select", type=_codes, help="codes or prefixes to add (opt-in rules)")
    p.add_argument("--ignore", type=_codes, help="codes or prefixes to leave alone")
    p.add_argument("--exclude", type=_globs, metavar="GLOBS", help="globs to skip (replaces the defaults)")
    p.add_argument("--extend-exclude", type=_globs, metavar="GLOBS", help="more globs to skip")
    p.add_argument("--config", metavar="PATH", help="read [tool.fake-async-lint] from this file only")
    p.add_argument("--isolated", action="store_true", help="ignore every config file")
    return p


def settings_for(args: argparse.Namespace) -> Settings:
    overrides: dict[str, Any] = {
        "select": args.select,
        "extend_select": args.extend_select,
        "ignore": args.ignore,
        "exclude": args.exclude,
        "extend_exclude": args.extend_exclude,
    }
    resolve = getattr(_config, "resolve", None)  # config files, where the config layer reads them
    if resolve is not None:
        settings: Settings = resolve(
            args.paths or ["."], config=args.config, isolated=args.isolated, overrides=overrides
        )
        return settings
    return dataclasses.replace(Settings(), **{k: v for k, v in overrides.items() if v is not None})


def run(args: argparse.Namespace) -> int:
    from . import FixUnavailable, fix_paths, problem_lines

    settings = settings_for(args)
    try:
        report = fix_paths(args.paths or ["."], settings, write=not args.diff)
    except FixUnavailable as e:
        print(f"fake-async-lint: {e}", file=sys.stderr)
        return EXIT_USAGE
    if args.diff:
        sys.stdout.write("".join(f.diff for f in report.files))
        sys.stdout.flush()
    for line in problem_lines(report):
        print(line, file=sys.stderr)
    print(report.summary(dry_run=args.diff), file=sys.stderr)
    if report.remaining or (args.diff and report.fixed):
        return EXIT_FINDINGS
    return EXIT_CLEAN
