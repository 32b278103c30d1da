"""Real servers for tests: a Prefect server subprocess, an HTTP webhook receiver, a
Snowflake emulator and an S3 API server.

    with prefect_server(tmp_path) as api_url: ...
    with webhook_receiver() as (url, received):
        ...
        received.wait_for(lambda post: "page_url" in post.text, timeout=30)
    with snowflake_emulator(tmp_path) as snowflake_env: ...  # SNOWFLAKE_* variables
    with s3_site(tmp_path) as site: ...  # site.env publishes Data Docs to its bucket

All listen on 127.0.0.1 only, on free ports, and are stopped on exit.
"""

import contextlib
import json
import os
import secrets
import socket
import struct
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

from deployments import local_server
from flows.settings import GX_DIR_ENV

HOST = "127.0.0.1"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind((HOST, 0))
        return sock.getsockname()[1]


# Greenery settings every run of the test session shares (tests/conftest.py).
SESSION_SETTINGS = (GX_DIR_ENV,)


def client_env(api_url: str, home: Path, **extra: str) -> dict[str, str]:
    """The environment for a subprocess that talks to the test server: this process's
    environment without its Prefect and Greenery settings (but the session's), pointed at
    `api_url`."""
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("PREFECT_", "GREENERY_")) or key in SESSION_SETTINGS
    }
    return env | {
        "PREFECT_API_URL": api_url,
        "PREFECT_HOME": str(home),
        "PREFECT_SERVER_ANALYTICS_ENABLED": "false",
        **extra,
    }


@contextlib.contextmanager
def prefect_server(tmp_path: Path, timeout: float = 90, ui: bool = False) -> Iterator[str]:
    """A real `prefect server start` on a free port, its PREFECT_HOME under tmp_path.

    Yields its API URL (http://127.0.0.1:PORT/api). Analytics are off, and no PREFECT_*
    variable of the caller reaches it. Its output goes to tmp_path/prefect-server.log
    (shown in the error if it fails to start).
    """
    port = free_port()
    home = tmp_path / "prefect-home"
    home.mkdir(parents=True, exist_ok=True)
    # Nothing from the caller's Prefect configuration (profile, database, API key...).
    base = {key: value for key, value in os.environ.items() if not key.startswith("PREFECT_")}
    env = local_server.server_env(home, HOST, port, base=base)
    log_path = tmp_path / "prefect-server.log"
    api_url = env["PREFECT_API_URL"]
    with log_path.open("wb") as log:
        process = local_server.start(HOST, port, env, log=log, ui=ui)
        try:
            try:
                local_server.wait_until_healthy(api_url, process, timeout=timeout)
            except RuntimeError as error:
                tail = log_path.read_text(errors="replace")[-3000:]
                raise RuntimeError(f"{error}\n--- {log_path} ---\n{tail}") from None
            yield api_url
        finally:
            local_server.stop(process)


@dataclass(frozen=True)
class Post:
    """One request the receiver got."""

    path: str
    text: str
    json: Any  # the parsed body, or None when it is not JSON


class Received:
    """What a webhook_receiver got, in order; safe to read while requests arrive."""

    def __init__(self) -> None:
        self._posts: list[Post] = []
        self._changed = threading.Condition()

    def add(self, post: Post) -> None:
        with self._changed:
            self._posts.append(post)
            self._changed.notify_all()

    @property
    def posts(self) -> list[Post]:
        with self._changed:
            return list(self._posts)

    def __len__(self) -> int:
        return len(self.posts)

    def __iter__(self) -> Iterator[Post]:
        return iter(self.posts)

    def wait_for(self, predicate: Callable[[Post], bool], timeout: float = 30) -> Post:
        """The first post (already received or arriving within `timeout` s) matching."""
        deadline = time.monotonic() + timeout
        with self._changed:
            while True:
                for post in self._posts:
                    if predicate(post):
                        return post
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    got = "\n".join(f"  {post.path}: {post.text[:300]}" for post in self._posts)
                    raise TimeoutError(
                        f"no matching POST within {timeout} s; received {len(self._posts)}:\n{got}"
                    )
                self._changed.wait(remaining)

    def matching(self, predicate: Callable[[Post], bool]) -> list[Post]:
        return [post for post in self.posts if predicate(post)]


@contextlib.contextmanager
def webhook_receiver() -> Iterator[tuple[str, Received]]:
    """A real HTTP server on 127.0.0.1 recording every POST; yields (url, received)."""
    received = Received()

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            length = int(self.headers.get("Content-Length") or 0)
            text = self.rfile.read(length).decode("utf-8", errors="replace")
            try:
                parsed = json.loads(text)
            except ValueError:
                parsed = None
            received.add(Post(path=self.path, text=text, json=parsed))
            self.send_response(200)
            self.send_header("Content-Length", "0")
            self.end_headers()

        def log_message(self, format: str, *args: Any) -> None:  # keep test output quiet
            pass

    server = ThreadingHTTPServer((HOST, 0), Handler)
    thread = threading.Thread(target=server.serve_forever, name="webhook-receiver", daemon=True)
    thread.start()
    try:
        yield f"http://{HOST}:{server.server_address[1]}/notify", received
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)


@contextlib.contextmanager
def silent_server() -> Iterator[int]:
    """A port on 127.0.0.1 that accepts connections and never answers, as a warehouse too
    busy to log anyone in; yields the port."""
    listener = socket.create_server((HOST, 0))
    accepted: list[socket.socket] = []

    def accept() -> None:
        with contextlib.suppress(OSError):
            while True:
                accepted.append(listener.accept()[0])

    threading.Thread(target=accept, name="silent-server", daemon=True).start()
    try:
        yield listener.getsockname()[1]
    finally:
        listener.close()
        for sock in accepted:
            sock.close()


@contextlib.contextmanager
def snowflake_emulator(tmp_path: Path, timeout: float = 30) -> Iterator[dict[str, str]]:
    """fakesnow serving Snowflake's HTTP protocol on a free port, in a subprocess.

    Yields the SNOWFLAKE_* variables that point the prod target at it; the password is
    random, so a test can search outputs for it. Its output goes to tmp_path/fakesnow.log.
    """
    port = free_port()
    log_path = tmp_path / "fakesnow.log"
    with log_path.open("wb") as log:
        process = subprocess.Popen(
            [sys.executable, "-m", "fakesnow", "--server", "--port", str(port)],
            stdout=log,
            stderr=subprocess.STDOUT,
        )
        try:
            _wait_for_port(port, process, timeout, log_path)
            yield {
                "SNOWFLAKE_ACCOUNT": "greenery-emulator",
                "SNOWFLAKE_USER": "pipeline",
                "SNOWFLAKE_PASSWORD": f"emulator-{secrets.token_hex(12)}",
                "SNOWFLAKE_ROLE": "transformer",
                "SNOWFLAKE_WAREHOUSE": "transforming",
                "SNOWFLAKE_DATABASE": "greenery",
                "SNOWFLAKE_HOST": HOST,
                "SNOWFLAKE_PORT": str(port),
                "SNOWFLAKE_PROTOCOL": "http",
            }
        finally:
            process.terminate()
            process.wait(timeout=10)


@dataclass(frozen=True)
class S3Site:
    """A bucket on a real S3 API server, readable by anyone, as an operator sets one up
    to host a static site; `env` points a run's Data Docs at it."""

    endpoint: str
    bucket: str
    prefix: str

    @property
    def url(self) -> str:
        """The address people open the site's root at."""
        return f"{self.endpoint}/{self.bucket}/{self.prefix}/"

    @property
    def env(self) -> dict[str, str]:
        return {
            "GREENERY_DATA_DOCS_BUCKET": self.bucket,
            "GREENERY_DATA_DOCS_PREFIX": self.prefix,
            "GREENERY_DATA_DOCS_URL": self.url,
            "AWS_ENDPOINT_URL": self.endpoint,
            "AWS_ACCESS_KEY_ID": "greenery-publisher",
            "AWS_SECRET_ACCESS_KEY": f"s3-{secrets.token_hex(12)}",
            "AWS_DEFAULT_REGION": "us-east-1",
        }


@contextlib.contextmanager
def s3_site(tmp_path: Path, timeout: float = 30) -> Iterator[S3Site]:
    """moto's standalone S3 server on a free port, in a subprocess, with a bucket whose
    policy lets anyone read its objects. Its output goes to tmp_path/moto.log."""
    import boto3

    port = free_port()
    log_path = tmp_path / "moto.log"
    with log_path.open("wb") as log:
        process = subprocess.Popen(
            [sys.executable, "-m", "moto.server", "-H", HOST, "-p", str(port)],
            stdout=log,
            stderr=subprocess.STDOUT,
        )
        try:
            _wait_for_port(port, process, timeout, log_path)
            site = S3Site(endpoint=f"http://{HOST}:{port}", bucket="greenery-docs", prefix="data")
            s3 = boto3.client(
                "s3",
                endpoint_url=site.endpoint,
                aws_access_key_id="operator",
                aws_secret_access_key="operator",
                region_name="us-east-1",
            )
            s3.create_bucket(Bucket=site.bucket)
            public_read = {
                "Version": "2012-10-17",
                "Statement": [
                    {
                        "Sid": "PublicReadForTheDocsSite",
                        "Effect": "Allow",
                        "Principal": "*",
                        "Action": "s3:GetObject",
                        "Resource": f"arn:aws:s3:::{site.bucket}/*",
                    }
                ],
            }
            s3.put_bucket_policy(Bucket=site.bucket, Policy=json.dumps(public_read))
            yield site
        finally:
            process.terminate()
            process.wait(timeout=10)


def _wait_for_port(port: int, process: subprocess.Popen, timeout: float, log: Path) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"{process.args} exited: {log.read_text(errors='replace')[-2000:]}")
        with contextlib.suppress(OSError), socket.create_connection((HOST, port), timeout=1):
            return
        time.sleep(0.2)
    raise RuntimeError(f"{process.args} did not listen on {port} within {timeout} s")


class DroppingProxy:
    """A TCP proxy on 127.0.0.1 that can drop every connection through it at once (a reset,
    as when a network path fails) and refuse new ones for a while."""

    def __init__(self, upstream_port: int) -> None:
        self.upstream_port = upstream_port
        self.dropped = 0  # connections reset by drop()
        self.refused = 0  # connections reset on arrival while refusing
        self._refuse_until = 0.0
        self._open: set[socket.socket] = set()
        self._lock = threading.Lock()
        self._listener = socket.create_server((HOST, 0))
        self.port = self._listener.getsockname()[1]
        threading.Thread(target=self._accept, daemon=True).start()

    def drop(self, refuse_for: float) -> None:
        with self._lock:
            self._refuse_until = time.monotonic() + refuse_for
            sockets, self._open = self._open, set()
        for sock in sockets:
            _reset(sock)
        self.dropped += len(sockets) // 2  # each connection is a client and an upstream socket

    def close(self) -> None:
        self._listener.close()
        self.drop(refuse_for=0)

    def _accept(self) -> None:
        while True:
            try:
                client, _ = self._listener.accept()
            except OSError:
                return
            if time.monotonic() < self._refuse_until:
                self.refused += 1
                _reset(client)
                continue
            upstream = socket.create_connection((HOST, self.upstream_port))
            with self._lock:
                self._open |= {client, upstream}
            for source, sink in ((client, upstream), (upstream, client)):
                threading.Thread(target=_pump, args=(source, sink), daemon=True).start()


def _pump(source: socket.socket, sink: socket.socket) -> None:
    with contextlib.suppress(OSError):
        while data := source.recv(65536):
            sink.sendall(data)
    with contextlib.suppress(OSError):
        sink.shutdown(socket.SHUT_WR)


def _reset(sock: socket.socket) -> None:
    """Close with a TCP reset rather than an orderly goodbye. Closing alone is not enough
    while a pump thread waits in recv() on the socket: the kernel keeps the connection
    until that call returns, so a request in flight would hang until the client's read
    timeout. Shutting the reading side first wakes the pump; the pump then ends its other
    socket, which `DroppingProxy.drop` resets in the same sweep."""
    with contextlib.suppress(OSError):
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        sock.shutdown(socket.SHUT_RD)
    sock.close()


@contextlib.contextmanager
def dropping_proxy(upstream_port: int) -> Iterator[DroppingProxy]:
    proxy = DroppingProxy(upstream_port)
    try:
        yield proxy
    finally:
        proxy.close()
