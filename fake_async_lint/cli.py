"""The standalone command: `fake-async-lint check|fix|plan|rules|explain`. A thin front end."""

from __future__ import annotations

import argparse
import dataclasses
import io
import os
import sys
from typing import Any, Callable, Mapping, Optional, Sequence

from . import __version__, config
from . import plan as plan_command
from .cache import Cache, cache_dir_override, default_dir
from .config import ConfigError, Settings
from .docs import rule_page
from .findings import Finding
from .fix import command as fix_command
from .index import libraries_command
from .report import REPORTERS, TEXT_FORMATS, write_output
from .report import text as text_report
from .rules import ALL_RULES, Rule
from .runner import default_jobs
from .scan import check_paths
from .source import SourceError, decode
from .stdin import check_stdin
from .term import ProgressLine, use_color

EXIT_CLEAN, EXIT_FINDINGS, EXIT_USAGE = 0, 1, 2


def _flag_type(parse: Callable[[Any], Any]) -> Callable[[str], Any]:
    """An argparse type from a config parser: the same checks and messages for flags and files."""

    def convert(text: str) -> Any:
        try:
            return parse(text)
        except ValueError as e:
            raise argparse.ArgumentTypeError(str(e)) from None

    return convert


_codes = _flag_type(config.parse_codes)


def _globs(text: str) -> list[str]:
    return [config.normalise_glob(g) for g in text.split(",") if g.strip()]


def _per_file_ignore(text: str) -> tuple[str, tuple[str, ...]]:
    glob, sep, codes = text.rpartition(":")
    if not sep or not glob.strip():
        raise argparse.ArgumentTypeError(f"expected GLOB:CODES, got {text!r}")
    return config.normalise_glob(glob), _codes(codes)


def _jobs(text: str) -> int:
    if not text.strip().isdigit():
        raise argparse.ArgumentTypeError(f"expected a number of processes (0: all cores), got {text!r}")
    return int(text)


def _add_check_options(check: argparse.ArgumentParser) -> None:
    check.add_argument("paths", nargs="*", help="files or directories (default: .); - reads stdin")
    sel = check.add_argument_group("rule selection (flags replace the config file's value)")
    sel.add_argument("--select", type=_codes, help="codes or prefixes to report (replaces the default)")
    sel.add_argument("--extend-select", type=_codes, help="codes or prefixes to add (opt-in rules)")
    sel.add_argument("--ignore", type=_codes, help="codes or prefixes not to report")
    sel.add_argument(
        "--per-file-ignores",
        type=_per_file_ignore,
        action="append",
        metavar="GLOB:CODES",
        help="codes not to report in matching files (repeatable)",
    )
    files = check.add_argument_group("files")
    files.add_argument(
        "--exclude", type=_globs, action="append", metavar="GLOBS", help="globs to skip (replaces the defaults)"
    )
    files.add_argument("--extend-exclude", type=_globs, action="append", metavar="GLOBS", help="more globs to skip")
    files.add_argument("--stdin-filename", metavar="PATH", help="read the source from stdin, report it as PATH")
    cfg = check.add_argument_group("configuration")
    cfg.add_argument("--config", metavar="PATH", help="read [tool.fake-async-lint] from this file only")
    cfg.add_argument("--isolated", action="store_true", help="ignore every config file")
    cfg.add_argument(
        "--extra-blocking",
        action="append",
        metavar="ENTRY",
        help=f"an API to report: {config.EXTRA_SYNTAX} (repeatable)",
    )
    cfg.add_argument(
        "--safe", type=_flag_type(config.parse_safe), action="append", metavar="NAMES", help="APIs never to report"
    )
    cfg.add_argument(
        "--async-library",
        type=_flag_type(lambda text: config.parse_library(text) or "auto"),
        metavar="{asyncio,anyio,trio,auto}",
        help="whose replacements findings name (default: auto, per module)",
    )
    cfg.add_argument("--max-depth", type=_flag_type(config.parse_max_depth), metavar="N", help="call-graph depth")
    _add_environment_options(check)
    run = check.add_argument_group("running")
    run.add_argument("-j", "--jobs", type=_jobs, default=0, metavar="N", help="processes (default 0: all cores)")
    run.add_argument("--no-cache", action="store_true", help="neither read nor write the result cache")
    run.add_argument(
        "--cache-dir",
        type=_flag_type(config.parse_cache_dir),
        metavar="DIR",
        help="where the caches live (default: results next to the config file, library summaries in the user cache)",
    )
    out = check.add_argument_group("output")
    out.add_argument(
        "--format",
        choices=sorted(REPORTERS),
        default="text",
        help="text: a line per finding; full: with code frames, chains hop by hop and fixes; grouped: by file; "
        "or json, sarif, github, junit (default: text)",
    )
    out.add_argument("--output-file", "-o", metavar="PATH", help="write the report to PATH instead of stdout")
    out.add_argument(
        "--statistics",
        action="store_true",
        help="print the number of findings per code, and the blocking lines many chains share",
    )
    out.add_argument(
        "--show-fixes",
        action="store_true",
        help="mark each finding `fix` can rewrite: [fix] (safe) or [unsafe fix] (with --unsafe-fixes)",
    )
    out.add_argument("--exit-zero", action="store_true", help="exit 0 even when there are findings")
    out.add_argument(
        "--color", choices=("auto", "always", "never"), default="auto", help="colour the text, full, grouped formats"
    )


def _add_environment_options(parser: argparse.ArgumentParser) -> None:
    env = parser.add_argument_group("installed libraries")
    env.add_argument(
        "--python",
        type=_flag_type(config.parse_python),
        metavar="PATH",
        help="the interpreter (or virtualenv) whose installed libraries are followed "
        "(default: $VIRTUAL_ENV, then .venv/venv in the project root, then the running interpreter)",
    )
    env.add_argument(
        "--follow-imports",
        type=_flag_type(config.parse_follow_imports),
        metavar="{all,project,none}",
        help="follow calls into installed libraries and the project (all, the default), "
        "the project only, or only the files named",
    )


def _parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        prog="fake-async-lint",
        description="Find fake async: blocking calls in coroutines and sync I/O hidden in thread pools.",
    )
    p.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    sub = p.add_subparsers(dest="command", metavar="COMMAND")

    check = sub.add_parser("check", help="report findings in files and directories")
    _add_check_options(check)
    fix_command.add_parser(sub)
    plan_command.add_parser(sub)

    sub.add_parser("rules", help="list the rule codes with one-line summaries")
    sub.add_parser(
        "server",
        help="run the language server on stdin/stdout (for editors; needs the `server` extra)",
        description="A Language Server (LSP) over stdio: diagnostics as you type, quick fixes, noqa, hover. "
        "Editors start it; see docs/editors.md.",
    )

    explain = sub.add_parser("explain", help="print a rule's documentation page")
    explain.add_argument("code", help="a rule code or name, e.g. FAS101 or blocking-sleep")

    libraries_command.add_parser(sub, _add_environment_options)
    return p


def _flatten(lists: Optional[list[Any]]) -> Optional[tuple[Any, ...]]:
    return None if lists is None else tuple(x for sub in lists for x in sub)


def _run_server() -> int:
    try:
        from .server import serve
    except ImportError as e:
        print(
            f"fake-async-lint: the language server needs pygls ({e}); "
            "install it with: pip install 'fake-async-lint[server]' (or pip install pygls)",
            file=sys.stderr,
        )
        return EXIT_USAGE
    return serve()


def _settings(args: argparse.Namespace, paths: list[str]) -> Settings:
    overrides: dict[str, Any] = {
        "select": args.select,
        "extend_select": args.extend_select,
        "ignore": args.ignore,
        "exclude": _flatten(args.exclude),
        "extend_exclude": _flatten(args.extend_exclude),
        "per_file_ignores": None if args.per_file_ignores is None else tuple(args.per_file_ignores),
        "safe": _flatten(args.safe),
        "async_library": args.async_library,
        "max_depth": args.max_depth,
        "python": args.python,
        "follow_imports": args.follow_imports,
        "cache_dir": cache_dir_override(args.cache_dir),
    }
    if args.extra_blocking is not None:
        try:
            overrides["extra_blocking"] = config.parse_extra_blocking_entries(args.extra_blocking)
        except ValueError as e:
            raise ConfigError(f"--extra-blocking: {e}") from None
    if args.async_library == "auto":  # a flag that asks for the default still beats the file
        overrides["async_library"] = None
    settings = config.resolve(paths, config=args.config, isolated=args.isolated, overrides=overrides)
    return dataclasses.replace(settings, async_library=None) if args.async_library == "auto" else settings


def _run_check(args: argparse.Namespace) -> int:
    # file names that are not valid UTF-8 reach us as surrogates: print their original bytes
    if isinstance(sys.stdout, io.TextIOWrapper):
        sys.stdout.reconfigure(errors="surrogateescape")
    paths = list(args.paths)
    stdin = args.stdin_filename is not None or paths == ["-"]
    if stdin and paths not in ([], ["-"]):
        raise ConfigError("--stdin-filename reads one buffer from stdin: give no other paths (or just -)")
    if "-" in paths and not stdin:
        raise ConfigError("- (stdin) cannot be mixed with other paths")
    missing = [p for p in paths if p != "-" and not os.path.lexists(p)]
    if missing:  # a typo must not pass as a clean run, whatever the selection
        raise ConfigError("; ".join(f"{p}: no such file or directory" for p in missing))
    display = args.stdin_filename or "-"
    settings = _settings(args, [display] if stdin else paths or ["."])
    progress = None
    sources: dict[str, str] = {}  # texts not on disk, for the code frames of --format full
    if stdin:
        data = sys.stdin.buffer.read()
        report = check_stdin(data, display, settings)
        try:
            sources[display] = decode(data)
        except SourceError:
            pass
    else:
        cache = None
        if not args.no_cache:
            cache = Cache(settings.cache_dir or default_dir(settings), settings)
        progress = ProgressLine.for_stream(sys.stderr)
        try:
            report = check_paths(
                paths or ["."], settings, jobs=args.jobs or default_jobs(), cache=cache, progress=progress
            )
        finally:
            if progress is not None:
                progress.close()
        if cache is not None and cache.warning:
            print(f"fake-async-lint: warning: {cache.warning}", file=sys.stderr)
    findings = report.findings
    if getattr(args, "show_fixes", False):
        findings = _with_fixes(findings, sources, marked=args.format in TEXT_FORMATS)
    _write_report(args, findings, sources)
    n = len(report.findings)
    files = f"{report.files} file{'s' if report.files != 1 else ''}"
    summary = f"Found {n} finding{'s' if n != 1 else ''} in {files}." if n else f"No findings in {files}."
    print(summary, file=sys.stderr)
    return EXIT_FINDINGS if n and not args.exit_zero else EXIT_CLEAN


def _with_fixes(findings: Sequence[Finding], sources: Mapping[str, str], *, marked: bool) -> list[Finding]:
    """Attach the unsafe rewrites `fix --unsafe-fixes` would make; for the text formats, mark each
    fixable finding and say on stderr how many each kind of fix covers."""
    from .fix.unsafe import with_unsafe_fixes
    from .source import read_bytes

    by_path: dict[str, list[Finding]] = {}
    for f in findings:
        by_path.setdefault(f.path, []).append(f)
    out: list[Finding] = []
    for path, group in by_path.items():
        text = sources.get(path)
        if text is None:
            try:
                text = decode(read_bytes(path))
            except SourceError:
                text = None
        out.extend(with_unsafe_fixes(text, group) if text is not None else group)
    out.sort(key=lambda f: f.sort_key)
    safe = sum(1 for f in out if f.fix is not None and f.fix.applicability == "safe")
    unsafe = sum(1 for f in out if f.fix is not None and f.fix.applicability == "unsafe")
    print(f"{safe} fixable with `fake-async-lint fix`, {unsafe} more with `--unsafe-fixes`.", file=sys.stderr)
    if not marked:
        return out  # machine formats carry the fix and its applicability
    marks = {"safe": " [fix]", "unsafe": " [unsafe fix]"}
    return [dataclasses.replace(f, message=f.message + marks[f.fix.applicability]) if f.fix else f for f in out]


def _render(fmt: str, findings: Sequence[Finding], colour: bool, sources: Mapping[str, str]) -> str:
    style = text_report.Style(color=colour)
    if fmt == "text":
        return text_report.render(findings, style)
    if fmt == "full":
        return text_report.render_full(findings, style, sources)
    if fmt == "grouped":
        return text_report.render_grouped(findings, style)
    return REPORTERS[fmt](findings)


def _write_report(args: argparse.Namespace, findings: Sequence[Finding], sources: Mapping[str, str]) -> None:
    summaries = {code: rule.summary for code, rule in ALL_RULES.items()}
    stats = text_report.statistics(findings, summaries) if args.statistics else ""
    if stats and args.format in ("full", "grouped"):
        stats = "\n" + stats  # a blank line after the last block
    readable = args.format in TEXT_FORMATS
    if args.output_file is None:
        colour = readable and use_color(args.color, sys.stdout)
        sys.stdout.write(_render(args.format, findings, colour, sources))
        # statistics must not break a machine-readable stream
        (sys.stdout if readable else sys.stderr).write(stats)
        sys.stdout.flush()
        return
    colour = readable and args.color == "always"
    text = _render(args.format, findings, colour, sources)
    try:
        write_output(args.output_file, text)
    except OSError as e:
        raise ConfigError(f"--output-file {args.output_file}: cannot write: {e.strerror or e}") from None
    sys.stdout.write(stats)
    sys.stdout.flush()  # before the summary line on stderr


def _run_rules() -> int:
    width = max(len(r.name) for r in ALL_RULES.values())
    for r in ALL_RULES.values():
        flag = "" if r.default else " (opt-in)"
        print(f"{r.code}  {r.name:<{width}}  {r.summary}{flag}")
    return EXIT_CLEAN


def find_rule(text: str) -> Optional[Rule]:
    """A rule by its code (`FAS101`, any case) or its name (`blocking-sleep`, as `rules` prints it)."""
    key = text.strip()
    rule = ALL_RULES.get(key.upper())
    if rule is not None:
        return rule
    name = key.lower().replace("_", "-")
    return next((r for r in ALL_RULES.values() if r.name == name), None)


def _run_explain(code: str) -> int:
    rule = find_rule(code)
    if rule is None:
        print(
            f"fake-async-lint: unknown rule {code!r}: give a code or a name; `fake-async-lint rules` lists them",
            file=sys.stderr,
        )
        return EXIT_USAGE
    sys.stdout.write(rule_page(rule))
    return EXIT_CLEAN


def main(argv: Optional[Sequence[str]] = None) -> int:
    parser = _parser()
    args = parser.parse_args(argv)
    try:
        if args.command == "server":
            return _run_server()
        if args.command == "check":
            return _run_check(args)
        if args.command == "rules":
            return _run_rules()
        if args.command == "explain":
            return _run_explain(args.code)
        if args.command == "fix":
            return fix_command.run(args)
        if args.command == "plan":
            return plan_command.run(args)
        if args.command == "libraries":
            return libraries_command.run(args)
    except ConfigError as e:
        print(f"fake-async-lint: {e}", file=sys.stderr)
        return EXIT_USAGE
    except BrokenPipeError:
        return EXIT_CLEAN
    except KeyboardInterrupt:
        print("fake-async-lint: interrupted", file=sys.stderr)
        return 130
    parser.print_help(sys.stderr)
    return EXIT_USAGE


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
