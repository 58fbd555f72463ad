"""Family 1 (FAS100-FAS109): a blocking call runs on the event loop.

One checker serves all ten codes: the catalog row of the call decides the code.
"""

from __future__ import annotations

import ast
from typing import Iterator, Optional

from ..catalog.loader import ApiRow
from ..findings import Finding, Fix
from ..model.module import ModuleModel
from ..model.values import Maybe, Ref
from .base import Context, Example, Family, Rule

_WHY_LOOP = (
    "A coroutine shares one thread with every other task on the event loop. "
    "While a synchronous call waits, nothing else runs: no other request is served, "
    "no timeout fires, no heartbeat is sent. One slow call stalls the whole service, "
    "and the latency of every concurrent task grows with it."
)

FAS100 = Rule(
    code="FAS100",
    name="blocking-http",
    kind="HTTP call",
    summary="Synchronous HTTP call (requests, urllib, urllib3, sync httpx, http.client) in a coroutine.",
    what=(
        "Flags HTTP calls made with a synchronous client inside an `async def`: `requests.*` and "
        "`requests.Session` methods, `urllib.request.urlopen`, `urllib3` pools, the sync `httpx`/`httpx2` "
        "functions and `Client` methods, and `http.client` connections. Receivers are resolved through "
        "imports, assignments, `with` blocks, `self` attributes and annotations."
    ),
    why=_WHY_LOOP + " HTTP calls are the worst case: they wait on the network for tens or thousands of milliseconds.",
    example=(
        "import requests\n\n"
        "async def get_user(user_id):\n"
        '    r = requests.get(f"https://api.example.com/users/{user_id}")\n'
        "    return r.json()\n"
    ),
    instead=(
        "from fake_async_lint.client import AsyncHTTPClient\n\n"
        'client = AsyncHTTPClient(base_url="https://api.example.com")\n\n'
        "async def get_user(user_id):\n"
        '    r = await client.get(f"/users/{user_id}")\n'
        "    return r.json()\n"
    ),
    notes=(
        "The reference client `fake_async_lint.client.AsyncHTTPClient` wraps a shared, pooled "
        "`httpx.AsyncClient` with timeouts and retries; `aiohttp.ClientSession` is an alternative."
    ),
    invalid=(
        Example(
            "import requests\n\nasync def f(url):\n    return requests.get(url)\n",
            ((4, 12),),
            "module function",
        ),
        Example(
            "import requests as r\nfrom requests import post as send\n\n"
            "async def f(url):\n    r.get(url)\n    send(url, json={})\n",
            ((5, 5), (6, 5)),
            "import aliases",
        ),
        Example(
            "from urllib.request import urlopen\n\nasync def f(url):\n    with urlopen(url) as resp:\n"
            "        return resp.read()\n",
            ((4, 10),),
            "urllib",
        ),
        Example(
            "import requests\n\nsession = requests.Session()\n\nasync def f(url):\n"
            "    with requests.Session() as s:\n        s.get(url)\n    session.post(url)\n",
            ((7, 9), (8, 5)),
            "session objects",
        ),
        Example(
            "import httpx\n\nclass Api:\n    def __init__(self):\n        self.http = httpx.Client()\n\n"
            "    async def fetch(self, url):\n        return self.http.get(url)\n",
            ((8, 16),),
            "self attribute set in __init__",
        ),
        Example(
            "from typing import Optional\nimport requests\n\n"
            "async def f(s: requests.Session, t: 'requests.Session', u: Optional[requests.Session]):\n"
            "    s.get('a')\n    t.get('b')\n    u.get('c')\n",
            ((5, 5), (6, 5), (7, 5)),
            "annotated parameters",
        ),
        Example(
            "import urllib3\n\nhttp = urllib3.PoolManager()\n\nasync def f(url):\n"
            "    return http.request('GET', url)\n",
            ((6, 12),),
            "urllib3",
        ),
        Example(
            "import http.client\n\nasync def f():\n    c = http.client.HTTPSConnection('example.com')\n"
            "    c.request('GET', '/')\n    return c.getresponse().read()\n",
            ((5, 5), (6, 12), (6, 12)),
            "http.client (the request, the response, the read)",
        ),
    ),
    valid=(
        Example(
            "import httpx\n\nasync def f(url):\n    async with httpx.AsyncClient() as c:\n"
            "        return await c.get(url)\n",
            title="httpx.AsyncClient is native async",
        ),
        Example(
            "import aiohttp\n\nasync def f(url):\n    async with aiohttp.ClientSession() as s:\n"
            "        async with s.get(url) as r:\n            return await r.text()\n",
            title="aiohttp",
        ),
        Example(
            "import requests\n\nasync def f(url):\n    def work():\n        return requests.get(url)\n"
            "    return work\n",
            title="a nested sync def is not run by the coroutine",
        ),
        Example(
            "import requests, asyncio\n\nasync def f(url):\n"
            "    return await asyncio.to_thread(lambda: requests.get(url))\n",
            title="a lambda body runs in the thread (FAS200 judges the hop)",
        ),
        Example(
            "async def f(requests, url):\n    return await requests.get(url)\n",
            title="a parameter that shadows the module name",
        ),
        Example(
            "from mylib import get\n\nasync def f(url):\n    return get(url)\n",
            title="a bare name from an unknown module",
        ),
        Example(
            "import requests\n\ndef f(url):\n    return requests.get(url)\n",
            title="sync code",
        ),
        Example(
            "import requests\n\nasync def f(url, session: requests.Session = requests.Session()):\n    return url\n",
            title="parameter defaults run outside the coroutine",
        ),
        Example(
            "import requests\n\nasync def f():\n    class C:\n        r = requests.get('x')\n    return C\n",
            title="a class body inside a coroutine",
        ),
    ),
)

FAS101 = Rule(
    code="FAS101",
    name="blocking-sleep",
    kind="sleep",
    summary="`time.sleep()` in a coroutine.",
    what="Flags `time.sleep(...)` (however it is imported) inside an `async def`.",
    why=_WHY_LOOP + " `time.sleep` freezes the loop for the whole delay.",
    example="import time\n\nasync def poll():\n    time.sleep(1)\n",
    instead="import asyncio\n\nasync def poll():\n    await asyncio.sleep(1)\n",
    notes=(
        "When the module imports `asyncio`, `fake-async-lint fix` rewrites the call to "
        "`await asyncio.sleep(...)`. Modules that use trio or anyio are told to use `trio.sleep` / `anyio.sleep`."
    ),
    invalid=(
        Example("import time\n\nasync def f():\n    time.sleep(1)\n", ((4, 5),)),
        Example("from time import sleep as nap\n\nasync def f():\n    x = [nap(0.1) for _ in range(3)]\n", ((4, 10),)),
        Example("import time\n\nasync def f():\n    print(f'{time.sleep(1)}')\n", ((4, 14),), "in an f-string"),
        Example("import time\n\n@decorator\nasync def f():\n    time.sleep(1)\n", ((5, 5),), "decorated"),
        Example("import time\n\nasync def agen():\n    yield 1\n    time.sleep(1)\n", ((5, 5),), "async generator"),
    ),
    valid=(
        Example("import asyncio\n\nasync def f():\n    await asyncio.sleep(1)\n"),
        Example(
            "import time\n\nasync def f():\n    return time.time(), time.monotonic()\n",
            title="time.time is not blocking",
        ),
        Example("import trio\n\nasync def f():\n    await trio.sleep(1)\n"),
        Example("async def f():\n    sleep(1)\n", title="bare name without an import"),
        Example("import time\n\nasync def f():\n    time = Clock()\n    time.sleep(1)\n", title="shadowed by a local"),
        Example(
            "import time, asyncio\n\nasync def f():\n    loop = asyncio.get_running_loop()\n"
            "    await loop.run_in_executor(None, time.sleep, 1)\n",
            title="a reference, not a call",
        ),
        Example("import time\n\nasync def f(cb=time.sleep(0)):\n    pass\n", title="defaults run outside"),
    ),
)

FAS102 = Rule(
    code="FAS102",
    name="blocking-database",
    kind="database call",
    summary="Synchronous database or cache driver call (psycopg2, sqlite3, pymysql, pymongo, redis, SQLAlchemy ...) in a coroutine.",
    what=(
        "Flags calls of synchronous database and cache drivers inside an `async def`: connecting "
        "(`psycopg2.connect`, `sqlite3.connect`, `pymysql.connect` ...) and the I/O methods of the "
        "connections, cursors, clients and sessions derived from them (`conn.cursor().execute(...)`, "
        "`engine.connect()`, `session.execute(...)`, `redis.Redis().get(...)`, `collection.find_one(...)`), "
        "and consuming a lazy cursor on the loop: `for doc in collection.find(...)`, `list(cursor)`, `next(cursor)`, "
        "a comprehension over `session.query(...)` (the finding is on the iterated expression: that is where rows "
        "are fetched; building the cursor, `.sort().limit()` included, does no I/O). "
        "Creating a client that does no I/O by itself (`redis.Redis()`, `create_engine()`, `MongoClient()`) is not flagged."
    ),
    why=_WHY_LOOP + " A query waits on the database server and often on locks held by other clients.",
    example=(
        "import psycopg2\n\nasync def load(user_id):\n    conn = psycopg2.connect(DSN)\n"
        "    cur = conn.cursor()\n    cur.execute('select * from users where id = %s', (user_id,))\n"
        "    return cur.fetchone()\n"
    ),
    instead=(
        "import asyncpg\n\nasync def load(user_id):\n    conn = await asyncpg.connect(DSN)\n"
        "    return await conn.fetchrow('select * from users where id = $1', user_id)\n"
    ),
    notes=(
        "Native replacements: asyncpg or psycopg.AsyncConnection, aiosqlite, aiomysql/asyncmy, "
        "pymongo.AsyncMongoClient or motor, redis.asyncio, SQLAlchemy's create_async_engine, AsyncElasticsearch."
    ),
    invalid=(
        Example(
            "import psycopg2\n\nasync def f():\n    conn = psycopg2.connect('dsn')\n    cur = conn.cursor()\n"
            "    cur.execute('select 1')\n    return cur.fetchall()\n",
            ((4, 12), (6, 5), (7, 12)),
            "derived objects",
        ),
        Example(
            "import sqlite3\n\nasync def f():\n    with sqlite3.connect('db') as db:\n        db.execute('select 1')\n",
            ((4, 10), (5, 9)),
        ),
        Example(
            "import redis\n\nr = redis.Redis()\n\nasync def f():\n    r.set('k', 1)\n    return r.get('k')\n",
            ((6, 5), (7, 12)),
        ),
        Example(
            "from sqlalchemy import create_engine\n\nengine = create_engine('sqlite://')\n\n"
            "async def f():\n    with engine.connect() as conn:\n        conn.execute('select 1')\n",
            ((6, 10), (7, 9)),
        ),
        Example(
            "from pymongo import MongoClient\n\nclient = MongoClient()\n\nasync def f():\n"
            "    return client.app.users.find_one({'_id': 1})\n",
            ((6, 12),),
        ),
        Example(
            "from pymongo import MongoClient\n\nusers = MongoClient().app.users\n\nasync def f():\n"
            "    recent = users.find().sort('t').limit(5)\n    for u in users.find({'admin': True}):\n"
            "        print(u)\n    return list(recent)\n",
            ((7, 14), (9, 12)),
            "a cursor consumed on the loop (building it is not I/O)",
        ),
    ),
    valid=(
        Example(
            "import redis.asyncio as redis\n\nr = redis.Redis()\n\nasync def f():\n    return await r.get('k')\n",
            title="redis.asyncio",
        ),
        Example("import asyncpg\n\nasync def f():\n    c = await asyncpg.connect('dsn')\n    await c.execute('x')\n"),
        Example("import redis\n\nasync def f():\n    return redis.Redis()\n", title="creating a client is not I/O"),
        Example(
            "import psycopg2\n\nasync def f(conn):\n    cur = conn.cursor()\n    cur.execute('x')\n",
            title="an untyped parameter is not guessed",
        ),
    ),
)

FAS103 = Rule(
    code="FAS103",
    name="blocking-subprocess",
    kind="process call",
    summary="`subprocess`, `os.system`, `os.popen`, `os.spawn*` or `os.wait*` in a coroutine.",
    what=(
        "Flags process creation and waiting that block inside an `async def`: `subprocess.run/call/"
        "check_call/check_output/getoutput`, `subprocess.Popen` and its `wait()`/`communicate()`, "
        "`os.system`, `os.popen`, `os.spawn*` and `os.wait*` (not with `os.WNOHANG`)."
    ),
    why=_WHY_LOOP + " A child process can run for seconds; the loop waits for all of it.",
    example="import subprocess\n\nasync def build():\n    subprocess.run(['make'], check=True)\n",
    instead=(
        "import asyncio\n\nasync def build():\n    proc = await asyncio.create_subprocess_exec('make')\n"
        "    await proc.wait()\n"
    ),
    invalid=(
        Example(
            "import subprocess\n\nasync def f():\n    subprocess.check_output(['ls'])\n"
            "    p = subprocess.Popen(['ls'])\n    p.wait()\n",
            ((4, 5), (5, 9), (6, 5)),
        ),
        Example("import os\n\nasync def f():\n    os.system('ls')\n    os.waitpid(1, 0)\n", ((4, 5), (5, 5))),
    ),
    valid=(
        Example(
            "import asyncio\n\nasync def f():\n    p = await asyncio.create_subprocess_exec('ls')\n    await p.wait()\n"
        ),
        Example("import os\n\nasync def f(pid):\n    os.waitpid(pid, os.WNOHANG)\n", title="non-blocking wait"),
        Example(
            "import subprocess\n\nasync def f(p: subprocess.Popen):\n    return p.poll()\n", title="poll does not wait"
        ),
    ),
)

FAS104 = Rule(
    code="FAS104",
    name="blocking-file-io",
    kind="file I/O",
    summary="Synchronous file I/O (`open()`, pathlib read/write, shutil, file-object methods) in a coroutine.",
    what=(
        "Flags `open()`, `io.open`, `os.fdopen`, `gzip/bz2/lzma.open`, temporary files, "
        "`pathlib.Path.open/read_text/read_bytes/write_text/write_bytes`, `shutil` copy/move/rmtree, and "
        "`read`/`write`/`readline(s)`/`writelines`/`seek`/`flush` on a file object bound from one of them "
        "or annotated as one (`typing.IO`, `typing.TextIO`, `io.TextIOWrapper`, ...). Iterating a file is not a call and is not flagged."
    ),
    why=_WHY_LOOP + " Disk and network file systems can stall for a long time under load.",
    example="async def save(path, data):\n    with open(path, 'w') as f:\n        f.write(data)\n",
    instead=(
        "import aiofiles\n\nasync def save(path, data):\n    async with aiofiles.open(path, 'w') as f:\n"
        "        await f.write(data)\n"
    ),
    notes="asyncio has no native file I/O; `await asyncio.to_thread(...)` is the standard answer where no async library fits.",
    invalid=(
        Example(
            "async def f(path):\n    with open(path) as fh:\n        data = fh.read()\n    return data\n",
            ((2, 10), (3, 16)),
        ),
        Example(
            "from pathlib import Path\n\nasync def f(root: Path):\n    (root / 'a.txt').write_text('x')\n"
            "    return Path('b').read_bytes()\n",
            ((4, 5), (5, 12)),
        ),
        Example("import shutil\n\nasync def f():\n    shutil.rmtree('build')\n", ((4, 5),)),
        Example(
            "import io\n\nasync def f(out: io.TextIOWrapper):\n    out.write('x')\n    out.flush()\n",
            ((4, 5), (5, 5)),
            "annotated as a file",
        ),
        Example(
            "import io\n\nasync def f(p, data, dry):\n    if dry:\n        out = io.BytesIO()\n    else:\n"
            "        out = open(p, 'wb')\n    out.write(data)\n",
            ((7, 15), (8, 5)),
            "a file on one branch (the message says: when out is the file from open() at line 7)",
        ),
    ),
    valid=(
        Example(
            "import aiofiles\n\nasync def f(p):\n    async with aiofiles.open(p) as fh:\n        return await fh.read()\n"
        ),
        Example(
            "import io\n\nasync def f():\n    buf = io.StringIO()\n    buf.write('x')\n    return buf.getvalue()\n",
            title="in-memory buffers",
        ),
        Example("async def f(path):\n    open = make_opener()\n    return open(path)\n", title="shadowed builtin"),
        Example("async def f(fh):\n    for line in fh:\n        print(line)\n", title="iteration is not a call"),
        Example(
            "import io\n\nasync def f(p, out=None):\n    if out is None:\n        out = io.StringIO()\n"
            "    out.write(p)\n",
            title="a parameter or a buffer: no path makes out a file",
        ),
        Example(
            "from typing import BinaryIO\n\nasync def f(out: BinaryIO, data):\n    out.write(data)\n",
            title="typing.IO/BinaryIO/TextIO: an io.BytesIO satisfies them, so they are not proof of a file",
        ),
    ),
)

FAS105 = Rule(
    code="FAS105",
    name="blocking-network",
    kind="network call",
    summary="Blocking sockets, DNS look-ups, smtplib, ftplib, paramiko or telnetlib in a coroutine.",
    what=(
        "Flags `socket.create_connection`, blocking `socket.socket` methods (`connect`, `recv`, `send`, "
        "`sendall`, `accept` ...), `socket.getaddrinfo/gethostbyname/...`, and the connecting constructors "
        "and I/O methods of `smtplib`, `ftplib`, `paramiko` and `telnetlib` inside an `async def`."
    ),
    why=_WHY_LOOP + " Network peers and DNS servers answer on their own schedule.",
    example="import smtplib\n\nasync def notify(msg):\n    with smtplib.SMTP('mail.example.com') as s:\n        s.send_message(msg)\n",
    instead="import aiosmtplib\n\nasync def notify(msg):\n    await aiosmtplib.send(msg, hostname='mail.example.com')\n",
    notes="Streams: `asyncio.open_connection`; DNS: `loop.getaddrinfo`; SMTP: aiosmtplib; FTP: aioftp; SSH: asyncssh.",
    invalid=(
        Example(
            "import socket\n\nasync def f(host):\n    ip = socket.gethostbyname(host)\n"
            "    s = socket.create_connection((ip, 80))\n    s.sendall(b'x')\n    return s.recv(10)\n",
            ((4, 10), (5, 9), (6, 5), (7, 12)),
        ),
        Example(
            "import smtplib\n\nasync def f(m):\n    s = smtplib.SMTP('h')\n    s.send_message(m)\n", ((4, 9), (5, 5))
        ),
    ),
    valid=(
        Example("import asyncio\n\nasync def f(h):\n    r, w = await asyncio.open_connection(h, 80)\n"),
        Example(
            "import smtplib\n\nasync def f():\n    return smtplib.SMTP()\n",
            title="SMTP() without a host does not connect",
        ),
        Example("import socket\n\nasync def f():\n    return socket.socket()\n", title="creating a socket is not I/O"),
        Example(
            "import socket\n\nasync def f(path):\n    s = socket.socket(socket.AF_UNIX)\n    s.setblocking(False)\n"
            "    s.connect(path)\n",
            title="a socket put in non-blocking mode",
        ),
        Example(
            "import socket\n\nasync def f(sock: socket.socket):\n    return sock.recv(1024)\n",
            title="a socket known only from an annotation (async libraries pass non-blocking ones)",
        ),
    ),
)

FAS106 = Rule(
    code="FAS106",
    name="blocking-sdk",
    kind="SDK call",
    summary="Synchronous service SDK client call (boto3, openai.OpenAI, anthropic.Anthropic, pika, kafka, grpc, slack) in a coroutine.",
    what=(
        "Flags calls on synchronous service SDK clients inside an `async def`: `boto3.client(...)` methods, "
        "`openai.OpenAI()` and `anthropic.Anthropic()` API calls (`client.chat.completions.create(...)`), "
        "`pika.BlockingConnection`, `kafka` producers/consumers, sync `grpc` channels and `slack_sdk.WebClient`."
    ),
    why=_WHY_LOOP + " SDK calls are HTTP or RPC calls underneath, often with retries that multiply the stall.",
    example=(
        "from openai import OpenAI\n\nclient = OpenAI()\n\nasync def answer(q):\n"
        "    r = client.chat.completions.create(model='m', messages=[{'role': 'user', 'content': q}])\n"
        "    return r.choices[0].message.content\n"
    ),
    instead=(
        "from openai import AsyncOpenAI\n\nclient = AsyncOpenAI()\n\nasync def answer(q):\n"
        "    r = await client.chat.completions.create(model='m', messages=[{'role': 'user', 'content': q}])\n"
        "    return r.choices[0].message.content\n"
    ),
    notes="Native replacements: aioboto3/aiobotocore, openai.AsyncOpenAI, anthropic.AsyncAnthropic, aio-pika, aiokafka, grpc.aio, AsyncWebClient.",
    invalid=(
        Example(
            "import boto3\n\ns3 = boto3.client('s3')\n\nasync def f(key):\n    return s3.get_object(Bucket='b', Key=key)\n",
            ((6, 12),),
        ),
        Example(
            "import openai\n\nasync def f(q):\n    c = openai.OpenAI()\n    return c.chat.completions.create(model='m', messages=q)\n",
            ((5, 12),),
        ),
    ),
    valid=(
        Example(
            "from openai import AsyncOpenAI\n\nc = AsyncOpenAI()\n\nasync def f(q):\n"
            "    return await c.chat.completions.create(model='m', messages=q)\n"
        ),
        Example(
            "import boto3\n\ns3 = boto3.client('s3')\n\nasync def f(k):\n"
            "    return s3.generate_presigned_url('get_object', Params={'Key': k})\n",
            title="presigning is local computation",
        ),
        Example(
            "from slack import WebClient\nimport slack_sdk\n\nasync def f(token):\n"
            "    c: slack_sdk.WebClient = WebClient(token=token, run_async=True)\n    return await c.auth_test()\n",
            title="an awaited call returns an awaitable: it is an async API whatever the type says",
        ),
    ),
)

FAS107 = Rule(
    code="FAS107",
    name="blocking-thread-wait",
    kind="thread wait",
    summary="Blocking wait on a thread primitive (`Future.result()`, `Lock.acquire`, `Event.wait`, `queue.Queue.get`, `Thread.join`) in a coroutine.",
    what=(
        "Flags waits on `threading` and `concurrent.futures` primitives inside an `async def`: "
        "`Future.result()`, `threading.Lock/Semaphore.acquire()`, `Event.wait()`, `Condition.wait()`, "
        "`queue.Queue.get()/put()/join()`, `Thread.join()` and `Executor.shutdown(wait=True)`. "
        "Non-blocking forms (`acquire(blocking=False)`, `get(block=False)`, `timeout=0`) are not flagged."
    ),
    why=_WHY_LOOP
    + " Waiting for another thread from the loop thread is also a classic deadlock: the thread may need the loop to finish.",
    example=(
        "from concurrent.futures import ThreadPoolExecutor\n\npool = ThreadPoolExecutor(4)\n\n"
        "async def f(job):\n    fut = pool.submit(job)\n    return fut.result()\n"
    ),
    instead=(
        "import asyncio\nfrom concurrent.futures import ThreadPoolExecutor\n\npool = ThreadPoolExecutor(4)\n\n"
        "async def f(job):\n    return await asyncio.wrap_future(pool.submit(job))\n"
    ),
    invalid=(
        Example(
            "import threading\n\nlock = threading.Lock()\n\nasync def f():\n    lock.acquire()\n",
            ((6, 5),),
        ),
        Example(
            "from concurrent.futures import ThreadPoolExecutor\n\npool = ThreadPoolExecutor(4)\n\n"
            "async def f(job):\n    return pool.submit(job).result()\n",
            ((6, 12),),
        ),
        Example("import queue\n\nq = queue.Queue()\n\nasync def f():\n    return q.get()\n", ((6, 12),)),
    ),
    valid=(
        Example("import asyncio\n\nlock = asyncio.Lock()\n\nasync def f():\n    await lock.acquire()\n"),
        Example(
            "import threading\n\nlock = threading.Lock()\n\nasync def f():\n    return lock.acquire(blocking=False)\n"
        ),
        Example("import queue\n\nq = queue.Queue()\n\nasync def f():\n    return q.get_nowait(), q.get(False)\n"),
        Example(
            "import asyncio\nfrom concurrent.futures import Future\n\nasync def f(fut: Future, done: asyncio.Event):\n"
            "    await done.wait()\n    return fut.result()\n",
            title="a future read after the coroutine awaited its completion",
        ),
    ),
)

FAS108 = Rule(
    code="FAS108",
    name="blocking-input",
    kind="console input",
    summary="`input()` in a coroutine.",
    what="Flags the builtin `input()` and `getpass.getpass()` inside an `async def`.",
    why=_WHY_LOOP + " Waiting for a human can take forever.",
    example="async def ask():\n    return input('name? ')\n",
    instead="import asyncio\n\nasync def ask():\n    return await asyncio.to_thread(input, 'name? ')\n",
    invalid=(Example("async def f():\n    return input('? ')\n", ((2, 12),)),),
    valid=(
        Example("async def f(input):\n    return input('? ')\n", title="shadowed by a parameter"),
        Example(
            "from prompt_toolkit import PromptSession\n\nasync def f(s: PromptSession):\n    return await s.prompt_async()\n"
        ),
    ),
)

FAS109 = Rule(
    code="FAS109",
    name="blocking-filesystem",
    kind="filesystem call",
    summary="Filesystem query or change (`os.path.exists`, `os.stat`, `os.listdir`, `pathlib.Path.exists`, `glob.glob` ...) in a coroutine.",
    what=(
        "Flags `os.path.exists/isfile/isdir/getsize/getmtime/realpath/...`, `os.stat/listdir/scandir/walk/"
        "remove/mkdir/...`, `pathlib.Path.exists/is_file/is_dir/stat/iterdir/glob/mkdir/unlink/...` and "
        "`glob.glob` inside an `async def`. Pure path manipulation (`os.path.join`, `Path.name`, `Path / 'x'`) is not flagged."
    ),
    why=_WHY_LOOP + " Each query is a system call that can wait on a slow or network file system.",
    example="import os\n\nasync def ready(path):\n    return os.path.exists(path)\n",
    instead="import anyio\n\nasync def ready(path):\n    return await anyio.Path(path).exists()\n",
    notes=(
        "Path arithmetic is not reported: `os.path.join/normpath/abspath/relpath/basename/dirname/splitext`, "
        "`PurePath` methods, `Path / 'x'`, `Path.absolute()`, `expanduser()`, `with_suffix()`. They compute "
        "strings; `abspath` and `relpath` call `getcwd()` for a relative path, a system call that does not wait on "
        "a disk. flake8-async and ruff (ASYNC240) report some of them; a finding here is always a real wait."
    ),
    invalid=(
        Example(
            "import os\nfrom pathlib import Path\n\nasync def f(p):\n    os.makedirs(p)\n"
            "    return Path(p).exists(), os.path.isfile(p)\n",
            ((5, 5), (6, 12), (6, 30)),
        ),
        Example(
            "from pathlib import Path\n\nasync def f(name: str, olds: dict[Path, float]):\n    path = Path(name)\n"
            "    size = path.stat().st_size\n    for path, t in olds.items():\n        path.touch()\n    return size\n",
            ((5, 12), (7, 9)),
            "a name rebound later, and the keys of an annotated mapping",
        ),
    ),
    valid=(
        Example("import os\n\nasync def f(a, b):\n    return os.path.join(a, b)\n"),
        Example(
            "import os\n\nasync def f(p, base):\n    return os.path.normpath(p), os.path.abspath(p), os.path.relpath(p, base)\n",
            title="path arithmetic does not touch the disk",
        ),
        Example("import anyio\n\nasync def f(p):\n    return await anyio.Path(p).exists()\n"),
        Example("from pathlib import PurePath\n\nasync def f(p):\n    return PurePath(p).name\n"),
    ),
)

RULES = (FAS100, FAS101, FAS102, FAS103, FAS104, FAS105, FAS106, FAS107, FAS108, FAS109)
_BY_CODE = {r.code: r for r in RULES}


def _fix(model: ModuleModel, call: ast.Call, row: ApiRow, ctx: Context) -> Optional[Fix]:
    """A rewrite is safe only when the template's module is bound as itself here."""
    if not row.fix or ctx.library != "asyncio":
        return None
    module = row.fix.removeprefix("await ").split(".", 1)[0]
    if model.value_in(ast.Name(id=module, ctx=ast.Load()), call) != Ref(module):
        return None
    args = [ctx.segment(a) for a in call.args] + [ctx.segment(k) for k in call.keywords]
    if any(a is None for a in args):
        return None
    return Fix(replacement=row.fix.replace("$$$ARGS", ", ".join(a for a in args if a)), rule=row.fix)


_ITER = ".__iter__"


def _what(row: ApiRow) -> str:
    """The blocking operation as a message names it: `requests.get()`, or iterating a cursor."""
    if row.name.endswith(_ITER):
        return f"iterating {row.display.removesuffix(_ITER)} (each step waits for I/O)"
    return f"{row.display}()"


def _condition(maybe: Optional[Maybe], rule: Rule) -> str:
    if maybe is None:
        return ""
    noun = "file" if rule.code == "FAS104" else "object"
    return f" when {maybe.name} is the {noun} from {maybe.source} at line {maybe.line}"


def check(model: ModuleModel, ctx: Context) -> Iterator[Finding]:
    for fn in model.coroutines:
        for bc in model.blocking_calls_in(fn):
            row = bc.row
            rule = _BY_CODE[row.code or ""]
            advice = model.catalog.advice(row, ctx.library)
            when = _condition(model.condition(bc.call), rule)
            message = f"blocking {rule.kind} {_what(row)} in coroutine '{fn.name}'{when}; {advice}"
            yield ctx.finding(
                bc.call,
                rule.code,
                message,
                api=row.display,
                replacement=advice,
                coroutine=fn.name,
                fix=_fix(model, bc.call, row, ctx),
            )
        for it in model.blocking_iterations_in(fn):
            row = it.row
            rule = _BY_CODE[row.code or ""]
            advice = model.catalog.advice(row, ctx.library)
            message = f"blocking {rule.kind} {_what(row)} in coroutine '{fn.name}'; {advice}"
            yield ctx.finding(it.node, rule.code, message, api=row.display, replacement=advice, coroutine=fn.name)


FAMILY = Family(rules=RULES, check=check)
