#!/usr/bin/env python3
"""Time the library analysis of `fake-async-lint check` against an environment of ~60 distributions.

Builds, once, a virtual environment in `benchmarks/.venvs/library-index/`
holding FastAPI, SQLAlchemy, boto3, openai, google-genai, langchain-core,
redis, celery and azure-storage-blob with their dependencies (the exact set is
frozen in `benchmarks/library-index.lock` the first time and installed from it
afterwards), writes a small async application that calls into each of them,
and times, as medians of `--repeats` runs:

* **cold**: `check --python VENV` with an empty cache directory: every library
  summary is computed;
* **warm**: the same with the cache directory of a previous run (the library
  summary store warm) and the application file edited, so the file itself is
  analysed again and only the libraries' summaries are reused;
* **project**: `--follow-imports project` under the same conditions as warm:
  the floor the warm run is compared with (target: warm <= 1.10x project);
* **none**: `--follow-imports none`, for reference.

Memory is the peak RSS of the check process. Nothing here knows how the
library analysis works: it runs whatever `check` the `--linter-python`
interpreter imports (default: this one).

    python benchmarks/library_index.py
    python benchmarks/library_index.py --repeats 7 --output benchmarks/RESULTS-library-index.md
"""

from __future__ import annotations

import argparse
import datetime
import json
import os
import platform
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Sequence
from pathlib import Path

import corpus  # benchmarks/ is on sys.path when run as a script
from machine import cpu_model

VENV = corpus.BENCH_DIR / ".venvs" / "library-index"
LOCK = corpus.BENCH_DIR / "library-index.lock"
TOP_LEVEL = (
    "fastapi",
    "sqlalchemy",
    "boto3",
    "openai",
    "google-genai",
    "langchain-core",
    "redis",
    "celery",
    "azure-storage-blob",
    "requests",
)

APP = '''"""A service calling SDKs from coroutines: what the library analysis has to follow."""
import boto3
import openai
import redis
import requests
import sqlalchemy
from azure.storage.blob import BlobServiceClient
from celery import Celery
from fastapi import FastAPI
from google import genai
from langchain_core.runnables import RunnableLambda

app = FastAPI()
s3 = boto3.client("s3")
llm = openai.OpenAI()
gemini = genai.Client()
cache = redis.Redis()
engine = sqlalchemy.create_engine("postgresql://localhost/db")
blobs = BlobServiceClient.from_connection_string("UseDevelopmentStorage=true")
worker = Celery("tasks")
chain = RunnableLambda(lambda x: x)


@app.get("/object/{key}")
async def get_object(key: str):
    return s3.get_object(Bucket="b", Key=key)["Body"].read()


@app.post("/chat")
async def chat(prompt: str):
    return llm.chat.completions.create(model="m", messages=[{"role": "user", "content": prompt}])


@app.post("/gemini")
async def generate(prompt: str):
    return gemini.models.generate_content(model="m", contents=prompt)


@app.get("/cached/{key}")
async def cached(key: str):
    return cache.get(key)


@app.get("/rows")
async def rows():
    with engine.connect() as conn:
        return conn.execute(sqlalchemy.text("select 1")).all()


@app.get("/blob/{name}")
async def blob(name: str):
    return blobs.get_blob_client("c", name).download_blob().readall()


@app.post("/task")
async def task():
    return worker.send_task("t").get(timeout=10)


@app.post("/chain")
async def run_chain(x: str):
    return chain.invoke(x)


@app.get("/proxy")
async def proxy(url: str):
    return requests.get(url).text
'''


def run(cmd: Sequence[str], **kw: object) -> subprocess.CompletedProcess[str]:
    return subprocess.run(list(cmd), text=True, capture_output=True, **kw)  # type: ignore[call-overload, no-any-return]


def build_venv(python: str) -> Path:
    """The venv, built once; from the lock file when there is one (the lock is written the first time)."""
    return corpus.locked_venv(python, VENV, LOCK, TOP_LEVEL, "\n".join(TOP_LEVEL), "library_index")


def peak_rss(cmd: Sequence[str], cwd: Path) -> tuple[float, float, str]:
    """Run `cmd` and return (seconds, peak RSS MB, stdout), the RSS from wait4 of that one process."""
    started = time.perf_counter()
    with tempfile.TemporaryFile("w+") as out, tempfile.TemporaryFile("w+") as err:
        proc = subprocess.Popen(list(cmd), cwd=cwd, stdout=out, stderr=err, text=True)
        _, status, usage = os.wait4(proc.pid, 0)
        proc.returncode = os.waitstatus_to_exitcode(status)
        elapsed = time.perf_counter() - started
        out.seek(0)
        err.seek(0)
        stdout, stderr = out.read(), err.read()
    if proc.returncode not in (0, 1):
        raise SystemExit(f"library_index: {' '.join(cmd)} failed ({proc.returncode}):\n{stderr[-3000:]}")
    rss_mb = usage.ru_maxrss / 1024 if sys.platform != "darwin" else usage.ru_maxrss / 2**20
    return elapsed, rss_mb, stdout


def main(argv: Sequence[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0] if __doc__ else None)
    p.add_argument("--repeats", type=int, default=5)
    p.add_argument("--linter-python", default=sys.executable, help="the interpreter that runs fake-async-lint")
    p.add_argument("--venv-python", default=sys.executable, help="the interpreter the benchmark venv is made from")
    p.add_argument("--output", type=Path, help="also write the markdown table here")
    args = p.parse_args(argv)

    target = build_venv(args.venv_python)
    work = Path(tempfile.mkdtemp(prefix="fal-library-index-"))
    try:
        app = work / "project" / "app.py"
        app.parent.mkdir()
        (app.parent / "pyproject.toml").write_text("[project]\nname = 'bench'\n")
        app.write_text(APP)
        base = [args.linter_python, "-m", "fake_async_lint", "check", "--isolated", "--exit-zero", "--jobs", "1"]
        base += ["--python", str(target)]
        libs = run(
            [
                args.linter_python,
                "-m",
                "fake_async_lint",
                "libraries",
                "--isolated",
                "--format",
                "json",
                "--python",
                str(target),
            ],
            cwd=app.parent,
        )
        n_dists = len(json.loads(libs.stdout)["distributions"]) if libs.returncode == 0 else -1

        rows: dict[str, list[tuple[float, float]]] = {"cold": [], "warm": [], "project": [], "none": []}
        findings: dict[str, int] = {}
        edit = 0

        def check(name: str, cache: Path, mode: str) -> None:
            nonlocal edit
            edit += 1
            app.write_text(APP + f"# edit {edit}\n")  # the file itself is always analysed again
            seconds, rss, out = peak_rss(
                [*base, "--follow-imports", mode, "--cache-dir", str(cache), "--format", "json", "app.py"], app.parent
            )
            rows[name].append((seconds, rss))
            findings[name] = len(json.loads(out or "[]"))

        warm_cache = {mode: work / f"warm-{mode}" for mode in ("all", "project", "none")}
        for mode, cache in warm_cache.items():  # prime each
            peak_rss([*base, "--follow-imports", mode, "--cache-dir", str(cache), "app.py"], app.parent)
        for i in range(args.repeats):
            check("cold", work / f"cold-{i}", "all")
            check("warm", warm_cache["all"], "all")
            check("project", warm_cache["project"], "project")
            check("none", warm_cache["none"], "none")
    finally:
        shutil.rmtree(work, ignore_errors=True)

    med = {k: (statistics.median(s for s, _ in v), max(m for _, m in v)) for k, v in rows.items()}
    ratio = med["warm"][0] / med["project"][0]
    lines = [
        f"Library analysis against {n_dists} installed distributions ({', '.join(TOP_LEVEL)} and their dependencies; "
        f"{LOCK.name}), medians of {args.repeats} runs, "
        f"{datetime.date.today().isoformat()}, {cpu_model()}, Python {platform.python_version()}.",
        "",
        "| run | median | peak RSS | findings |",
        "|---|---|---|---|",
        f"| cold: `--follow-imports all`, empty cache | {med['cold'][0]:.2f} s | {med['cold'][1]:.0f} MB | {findings['cold']} |",
        f"| warm: `--follow-imports all`, summary store warm | {med['warm'][0]:.2f} s | {med['warm'][1]:.0f} MB | {findings['warm']} |",
        f"| `--follow-imports project`, warm | {med['project'][0]:.2f} s | {med['project'][1]:.0f} MB | {findings['project']} |",
        f"| `--follow-imports none`, warm | {med['none'][0]:.2f} s | {med['none'][1]:.0f} MB | {findings['none']} |",
        "",
        f"warm / project: {ratio:.2f}x (target <= 1.10x); cold - project: {med['cold'][0] - med['project'][0]:.2f} s "
        "(the price of summarising the libraries once)",
    ]
    text = "\n".join(lines) + "\n"
    sys.stdout.write(text)
    if args.output is not None:
        args.output.write_text(text)
    return 0


if __name__ == "__main__":
    sys.exit(main())
