"""The standalone command: `fake-async-lint check|fix|rules|explain`. A thin front end."""

from __future__ import annotations

import argparse
import dataclasses
import sys
from typing import Optional, Sequence

from . import __version__
from .config import ConfigError, Settings
from .docs import rule_page
from .engine import check_paths
from .fix import command as fix_command
from .report import REPORTERS
from .rules import ALL_RULES

EXIT_CLEAN, EXIT_FINDINGS, EXIT_USAGE = 0, 1, 2


def _codes(text: str) -> tuple[str, ...]:
    codes = tuple(c.strip().upper() for c in text.split(",") if c.strip())
    for c in codes:
        if not c.isalnum() or not c[0].isalpha():
            raise argparse.ArgumentTypeError(f"not a code or code prefix: {c!r}")
    return codes


def _parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        prog="fake-async-lint",
        description="Find fake async: blocking calls in coroutines and sync I/O hidden in thread pools.",
    )
    p.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    sub = p.add_subparsers(dest="command", metavar="COMMAND")

    check = sub.add_parser("check", help="report findings in files and directories")
    check.add_argument("paths", nargs="*", default=["."], help="files or directories (default: .)")
    check.add_argument("--select", type=_codes, help="codes or prefixes to report (replaces the default)")
    check.add_argument("--extend-select", type=_codes, default=(), help="codes or prefixes to add (opt-in rules)")
    check.add_argument("--ignore", type=_codes, default=(), help="codes or prefixes not to report")
    check.add_argument("--exclude", action="append", default=[], metavar="GLOB", help="skip matching files/dirs")
    check.add_argument("--format", choices=sorted(REPORTERS), default="text", help="output format")

    fix_command.add_parser(sub)

    sub.add_parser("rules", help="list the rule codes with one-line summaries")

    explain = sub.add_parser("explain", help="print a rule's documentation page")
    explain.add_argument("code", help="a rule code, e.g. FAS100")
    return p


def _run_check(args: argparse.Namespace) -> int:
    settings = dataclasses.replace(
        Settings(),
        select=args.select,
        extend_select=tuple(args.extend_select),
        ignore=tuple(args.ignore),
        extend_exclude=tuple(args.exclude),
    )
    report = check_paths(args.paths, settings)
    sys.stdout.write(REPORTERS[args.format](report.findings))
    n = len(report.findings)
    files = f"{report.files} file{'s' if report.files != 1 else ''}"
    summary = f"Found {n} finding{'s' if n != 1 else ''} in {files}." if n else f"No findings in {files}."
    print(summary, file=sys.stderr)
    return EXIT_FINDINGS if n else EXIT_CLEAN


def _run_rules() -> int:
    width = max(len(r.name) for r in ALL_RULES.values())
    for r in ALL_RULES.values():
        flag = "" if r.default else " (opt-in)"
        print(f"{r.code}  {r.name:<{width}}  {r.summary}{flag}")
    return EXIT_CLEAN


def _run_explain(code: str) -> int:
    rule = ALL_RULES.get(code.strip().upper())
    if rule is None:
        print(f"fake-async-lint: unknown rule {code!r}; `fake-async-lint rules` lists them", file=sys.stderr)
        return EXIT_USAGE
    sys.stdout.write(rule_page(rule))
    return EXIT_CLEAN


def main(argv: Optional[Sequence[str]] = None) -> int:
    parser = _parser()
    args = parser.parse_args(argv)
    try:
        if args.command == "check":
            return _run_check(args)
        if args.command == "rules":
            return _run_rules()
        if args.command == "explain":
            return _run_explain(args.code)
        if args.command == "fix":
            return fix_command.run(args)
    except ConfigError as e:
        print(f"fake-async-lint: {e}", file=sys.stderr)
        return EXIT_USAGE
    except BrokenPipeError:
        return EXIT_CLEAN
    parser.print_help(sys.stderr)
    return EXIT_USAGE


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
