"""The catalog against the contract: every API RULES.md names for FAS100-FAS109 is caught,
with the right code and the fully qualified API in the finding; and the table is well formed."""

from __future__ import annotations

import pytest

from fake_async_lint import Settings, check_source
from fake_async_lint.catalog.loader import CODES, CatalogError, default_catalog

# (imports, module-level setup, the call inside the coroutine, code, api)
CONTRACT = [
    ("import requests", "", "requests.get(x)", "FAS100", "requests.get"),
    ("import requests", "s = requests.Session()", "s.post(x)", "FAS100", "requests.Session.post"),
    ("import urllib.request", "", "urllib.request.urlopen(x)", "FAS100", "urllib.request.urlopen"),
    (
        "import urllib3",
        "pool = urllib3.PoolManager()",
        "pool.request('GET', x)",
        "FAS100",
        "urllib3.PoolManager.request",
    ),
    ("import urllib3", "", "urllib3.request('GET', x)", "FAS100", "urllib3.request"),
    ("import httpx", "", "httpx.get(x)", "FAS100", "httpx.get"),
    ("import httpx", "c = httpx.Client()", "c.get(x)", "FAS100", "httpx.Client.get"),
    ("import httpx2", "c = httpx2.Client()", "c.post(x)", "FAS100", "httpx2.Client.post"),
    ("import httpx2", "", "httpx2.request('GET', x)", "FAS100", "httpx2.request"),
    (
        "import http.client",
        "c = http.client.HTTPConnection('h')",
        "c.request('GET', x)",
        "FAS100",
        "http.client.HTTPConnection.request",
    ),
    ("import time", "", "time.sleep(x)", "FAS101", "time.sleep"),
    ("import psycopg2", "", "psycopg2.connect(x)", "FAS102", "psycopg2.connect"),
    ("import psycopg", "", "psycopg.connect(x)", "FAS102", "psycopg.connect"),
    ("import sqlite3", "", "sqlite3.connect(x)", "FAS102", "sqlite3.connect"),
    ("import pymysql", "", "pymysql.connect(host=x)", "FAS102", "pymysql.connect"),
    ("import MySQLdb", "", "MySQLdb.connect(x)", "FAS102", "MySQLdb.connect"),
    ("import mysql.connector", "", "mysql.connector.connect(host=x)", "FAS102", "mysql.connector.connect"),
    (
        "import pymongo",
        "db = pymongo.MongoClient().shop",
        "db.orders.find_one(x)",
        "FAS102",
        "pymongo.collection.Collection.find_one",
    ),
    ("import redis", "r = redis.Redis()", "r.get(x)", "FAS102", "redis.Redis.get"),
    (
        "import sqlalchemy",
        "e = sqlalchemy.create_engine('sqlite://')",
        "e.connect()",
        "FAS102",
        "sqlalchemy.engine.Engine.connect",
    ),
    (
        "from sqlalchemy.orm import sessionmaker",
        "Session = sessionmaker()",
        "Session().execute(x)",
        "FAS102",
        "sqlalchemy.orm.Session.execute",
    ),
    (
        "from elasticsearch import Elasticsearch",
        "es = Elasticsearch()",
        "es.search(index=x)",
        "FAS102",
        "elasticsearch.Elasticsearch.search",
    ),
    ("import subprocess", "", "subprocess.run(x)", "FAS103", "subprocess.run"),
    ("import subprocess", "", "subprocess.call(x)", "FAS103", "subprocess.call"),
    ("import subprocess", "", "subprocess.check_call(x)", "FAS103", "subprocess.check_call"),
    ("import subprocess", "", "subprocess.check_output(x)", "FAS103", "subprocess.check_output"),
    ("import subprocess", "", "subprocess.getoutput(x)", "FAS103", "subprocess.getoutput"),
    ("import subprocess", "", "subprocess.Popen(x)", "FAS103", "subprocess.Popen"),
    ("import subprocess", "p = subprocess.Popen(['ls'])", "p.communicate()", "FAS103", "subprocess.Popen.communicate"),
    ("import subprocess", "p = subprocess.Popen(['ls'])", "p.wait()", "FAS103", "subprocess.Popen.wait"),
    ("import os", "", "os.system(x)", "FAS103", "os.system"),
    ("import os", "", "os.popen(x)", "FAS103", "os.popen"),
    ("import os", "", "os.spawnlp(os.P_WAIT, x)", "FAS103", "os.spawnlp"),
    ("import os", "", "os.wait()", "FAS103", "os.wait"),
    ("", "", "open(x)", "FAS104", "open"),
    ("import io", "", "io.open(x)", "FAS104", "io.open"),
    ("import os", "", "os.fdopen(x)", "FAS104", "os.fdopen"),
    ("import pathlib", "p = pathlib.Path('a')", "p.open()", "FAS104", "pathlib.Path.open"),
    ("from pathlib import Path", "", "Path(x).read_text()", "FAS104", "pathlib.Path.read_text"),
    ("from pathlib import Path", "", "Path(x).read_bytes()", "FAS104", "pathlib.Path.read_bytes"),
    ("from pathlib import Path", "", "Path(x).write_text('a')", "FAS104", "pathlib.Path.write_text"),
    ("from pathlib import Path", "", "Path(x).write_bytes(b'a')", "FAS104", "pathlib.Path.write_bytes"),
    ("import shutil", "", "shutil.copy(x, 'b')", "FAS104", "shutil.copy"),
    ("import shutil", "", "shutil.move(x, 'b')", "FAS104", "shutil.move"),
    ("import shutil", "", "shutil.rmtree(x)", "FAS104", "shutil.rmtree"),
    ("", "fh = open('a')", "fh.read()", "FAS104", "io.TextIOWrapper.read"),
    ("import gzip", "fh = gzip.open('a')", "fh.readline()", "FAS104", "io.TextIOWrapper.readline"),
    ("import tempfile", "fh = tempfile.NamedTemporaryFile()", "fh.write(x)", "FAS104", "io.TextIOWrapper.write"),
    ("import io", "fh: io.BufferedReader = get()", "fh.seek(0)", "FAS104", "io.TextIOWrapper.seek"),
    ("import socket", "", "socket.create_connection(x)", "FAS105", "socket.create_connection"),
    ("import socket", "s = socket.create_connection(('h', 1))", "s.sendall(x)", "FAS105", "socket.socket.sendall"),
    ("import socket", "", "socket.getaddrinfo(x, 80)", "FAS105", "socket.getaddrinfo"),
    ("import socket", "", "socket.gethostbyname(x)", "FAS105", "socket.gethostbyname"),
    ("import smtplib", "", "smtplib.SMTP(x)", "FAS105", "smtplib.SMTP"),
    ("import ftplib", "", "ftplib.FTP(x)", "FAS105", "ftplib.FTP"),
    ("import paramiko", "c = paramiko.SSHClient()", "c.connect(x)", "FAS105", "paramiko.SSHClient.connect"),
    ("import telnetlib", "", "telnetlib.Telnet(x)", "FAS105", "telnetlib.Telnet"),
    (
        "import boto3",
        "s3 = boto3.client('s3')",
        "s3.put_object(Bucket=x)",
        "FAS106",
        "botocore.client.BaseClient.put_object",
    ),
    (
        "import openai",
        "c = openai.OpenAI()",
        "c.chat.completions.create(model=x)",
        "FAS106",
        "openai.OpenAI.chat.completions.create",
    ),
    (
        "import anthropic",
        "c = anthropic.Anthropic()",
        "c.messages.create(model=x)",
        "FAS106",
        "anthropic.Anthropic.messages.create",
    ),
    ("import pika", "", "pika.BlockingConnection(x)", "FAS106", "pika.BlockingConnection"),
    ("from kafka import KafkaProducer", "p: KafkaProducer = make()", "p.send(x)", "FAS106", "kafka.KafkaProducer.send"),
    (
        "import grpc",
        "ch = grpc.insecure_channel('h')",
        "ch.unary_unary('/m')(x)",
        "FAS106",
        "grpc.MultiCallable.__call__",
    ),
    (
        "from concurrent.futures import ThreadPoolExecutor",
        "pool = ThreadPoolExecutor()",
        "pool.submit(x).result()",
        "FAS107",
        "concurrent.futures.Future.result",
    ),
    ("import threading", "lock = threading.Lock()", "lock.acquire()", "FAS107", "threading.Lock.acquire"),
    ("import threading", "ev = threading.Event()", "ev.wait()", "FAS107", "threading.Event.wait"),
    ("import queue", "q = queue.Queue(maxsize=10)", "q.put(x)", "FAS107", "queue.Queue(maxsize).put"),
    ("import queue", "q = queue.Queue()", "q.get()", "FAS107", "queue.Queue.get"),
    ("import queue", "q = queue.SimpleQueue()", "q.get()", "FAS107", "queue.SimpleQueue.get"),
    ("import threading", "t = threading.Thread(target=print)", "t.join()", "FAS107", "threading.Thread.join"),
    (
        "from concurrent.futures import ThreadPoolExecutor",
        "pool = ThreadPoolExecutor()",
        "pool.shutdown()",
        "FAS107",
        "concurrent.futures.ThreadPoolExecutor.shutdown",
    ),
    ("", "", "input(x)", "FAS108", "input"),
    ("import os.path", "", "os.path.exists(x)", "FAS109", "os.path.exists"),
    ("import os", "", "os.path.getmtime(x)", "FAS109", "os.path.getmtime"),
    ("import os", "", "os.path.realpath(x)", "FAS109", "os.path.realpath"),
    ("import os", "", "os.listdir(x)", "FAS109", "os.listdir"),
    ("import os", "", "os.walk(x)", "FAS109", "os.walk"),
    ("import os", "", "os.remove(x)", "FAS109", "os.remove"),
    ("from pathlib import Path", "", "Path(x).exists()", "FAS109", "pathlib.Path.exists"),
    ("from pathlib import Path", "", "Path(x).iterdir()", "FAS109", "pathlib.Path.iterdir"),
    ("from pathlib import Path", "", "(Path(x) / 'y').unlink()", "FAS109", "pathlib.Path.unlink"),
    ("import glob", "", "glob.glob(x)", "FAS109", "glob.glob"),
]


@pytest.mark.parametrize(("imports", "setup", "call", "code", "api"), CONTRACT, ids=[c[2] for c in CONTRACT])
def test_contract_api_is_caught(imports: str, setup: str, call: str, code: str, api: str) -> None:
    source = f"{imports}\n{setup}\n\nasync def handler(x):\n    return {call}\n"
    findings = check_source(source, "m.py", Settings(select=("FAS1",)))
    assert [(f.code, f.line, f.col, f.api) for f in findings] == [(code, 5, 12, api)]
    assert f"{api}() in coroutine 'handler'" in findings[0].message


def test_every_row_is_well_formed() -> None:
    cat = default_catalog()
    for name, row in cat.apis.items():
        assert row.name == name
        if row.code is not None:
            assert row.code in CODES, name
            assert row.use in cat.uses, name
    for key, use in cat.uses.items():
        assert use.say.startswith("use "), key
        assert use.anchor, key


def test_user_rows_extend_the_catalog() -> None:
    settings = Settings(extra_blocking={"mycorp.db.query": "mycorp.db.aquery"})
    src = "from mycorp import db\n\nasync def f():\n    return db.query(1)\n"
    [f] = check_source(src, "m.py", settings)
    assert (f.code, f.line, f.col, f.api) == ("FAS106", 4, 12, "mycorp.db.query")
    assert f.message.endswith("use `await mycorp.db.aquery(...)`")


def test_safe_names_are_never_reported() -> None:
    src = "import time\n\nasync def f():\n    time.sleep(0)\n"
    assert check_source(src, "m.py", Settings(safe=("time.sleep",))) == []


@pytest.mark.parametrize(
    ("spec", "message"),
    [
        (42, "mycorp.f: expected a replacement string or a table"),
        ({"code": "FAS999", "replacement": "x"}, "mycorp.f: code 'FAS999' is not one of"),
        ({"replacement": ""}, "mycorp.f: 'replacement' must be a non-empty string"),
        ({"replacement": "x", "colour": "red"}, "mycorp.f: unknown key(s) colour"),
    ],
)
def test_bad_user_rows_say_what_is_wrong(spec: object, message: str) -> None:
    with pytest.raises(CatalogError, match="^" + message.replace("(", r"\(").replace(")", r"\)")):
        default_catalog().extended({"mycorp.f": spec})


def test_put_on_a_queue_that_cannot_fill_does_not_block() -> None:
    src = (
        "import queue\n\nq = queue.Queue()\ns = queue.SimpleQueue()\n\n"
        "async def f(x, p: queue.Queue):\n    q.put(x)\n    s.put(x)\n    p.put(x)\n"
    )
    assert check_source(src, "m.py") == []


def test_with_on_an_attribute_of_a_tracked_object_is_not_guessed() -> None:
    # `with client.beta as b`: what __enter__ of an attribute gives is unknown, so `b` is not judged
    src = "import openai\n\nc = openai.OpenAI()\n\nasync def f():\n    with c.beta as b:\n        return b.run()\n"
    assert check_source(src, "m.py") == []
