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
        help="apply the safe fixes in place (--unsafe-fixes: also migrate to native async)",
        description=(
            "Apply the safe fixes that findings carry, keeping the rest of each file byte for byte; with "
            "--unsafe-fixes also the migrations to native async (requests -> the reference client, thread "
            "hops and pools, nested loops, subprocess). A file whose fixed code would not parse is left "
            "unchanged. Needs the `fix` extra (ast-grep-py). Exit status: 0 nothing remains to report "
            "(and, with --diff, nothing to change); 1 findings remain, or --diff has changes to show; "
            "2 usage or configuration error."
        ),
    )
    p.add_argument("paths", nargs="*", help="files or directories (default: .)")
    p.add_argument("--diff", action="store_true", help="print a unified diff of the fixes; write nothing")
    p.add_argument(
        "--unsafe-fixes",
        action="store_true",
        help="also apply the unsafe fixes: migrations that may change behaviour in corner cases (review the diff)",
    )
    p.add_argument(
        "--show-fixes",
        action="store_true",
        help="list each fix made (safe/unsafe) and each finding left unfixed, with the reason (on stderr)",
    )
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


def fix_lines(report: Any, *, applied: bool, skipped: bool) -> list[str]:
    """`path:line:col: CODE fixed (safe|unsafe: kind)` and `... not fixed: reason` lines."""
    lines = []
    for ff in report.files:
        rows = []
        if applied:
            rows += [(f, f"fixed ({how}{'' if kind == 'safe' else ': ' + kind})") for f, how, kind in ff.applied]
            rows += [(f, f"unsafe fix available ({kind}): use --unsafe-fixes") for f, _, kind in ff.available]
        if skipped:
            rows += [(f, f"not fixed: {why}") for f, why in ff.skipped]
        for f, what in sorted(rows, key=lambda r: r[0].sort_key):
            lines.append(f"{f.path}:{f.line}:{f.col}: {f.code} {what}")
    return lines


def run(args: argparse.Namespace) -> int:
    from . import FixUnavailable, fix_paths, problem_lines

    settings = settings_for(args)
    try:
        report = fix_paths(args.paths or ["."], settings, write=not args.diff, unsafe=args.unsafe_fixes)
    except FixUnavailable as e:
        print(f"fake-async-lint: {e}", file=sys.stderr)
        return EXIT_USAGE
    if args.diff:
        sys.stdout.write("".join(f.diff for f in report.files))
        sys.stdout.flush()
    for line in fix_lines(report, applied=args.show_fixes, skipped=args.show_fixes or args.diff):
        print(line, file=sys.stderr)
    for line in problem_lines(report):
        print(line, file=sys.stderr)
    print(report.summary(dry_run=args.diff), file=sys.stderr)
    if report.remaining or (args.diff and any(f.diff for f in report.files)):
        return EXIT_FINDINGS
    return EXIT_CLEAN
