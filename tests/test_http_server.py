"""Conditional requests end to end: the example project under a real uvicorn, a real HTTP client (http.client)."""

from __future__ import annotations

import base64
import contextlib
import http.client
import json
import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.test_demo import free_port

pytest.importorskip("uvicorn", reason="uvicorn comes with the dev and demo extras")

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="module")
def port() -> Iterator[int]:
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "example.settings"}
    env.pop("REDIS_URL", None)  # the example's local-memory cache
    manage = [sys.executable, "-m", "django"]
    subprocess.run([*manage, "migrate", "--verbosity", "0"], check=True, cwd=ROOT, env=env)
    subprocess.run([*manage, "seed_demo"], check=True, cwd=ROOT, env=env, capture_output=True)
    number = free_port()
    server = subprocess.Popen(
        [sys.executable, "-m", "uvicorn", "example.asgi:application", "--port", str(number), "--log-level", "warning"],
        cwd=ROOT,
        env=env,
        start_new_session=True,
    )
    try:
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            with contextlib.suppress(OSError):
                request("GET", number, "/posts/")
                break
            time.sleep(0.1)
        yield number
    finally:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(server.pid, signal.SIGTERM)
        server.wait(timeout=30)


def request(
    method: str, port: int, path: str, user: str | None = None, body: dict[str, object] | None = None, **headers: str
) -> tuple[int, dict[str, str], bytes]:
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    sent = {name.replace("_", "-"): value for name, value in headers.items()}
    if user:
        sent["Authorization"] = "Basic " + base64.b64encode(f"{user}:demo".encode()).decode()
    payload = None
    if body is not None:
        payload = json.dumps(body).encode()
        sent["Content-Type"] = "application/json"
    try:
        connection.request(method, path, body=payload, headers=sent)
        response = connection.getresponse()
        return response.status, {k.lower(): v for k, v in response.getheaders()}, response.read()
    finally:
        connection.close()


def test_etag_304_and_headers_over_http(port: int) -> None:
    status, miss, body = request("GET", port, "/posts/?page=1", "alice")
    assert status == 200 and body
    etag = miss["etag"]
    assert miss["cache-control"] == "private, no-cache"
    assert {"Accept", "Authorization", "Cookie"} <= {v.strip() for v in miss["vary"].split(",")}

    status, hit, body = request("GET", port, "/posts/?page=1", "alice")
    assert status == 200 and hit["x-cache"] == "hit" and hit["etag"] == etag

    status, not_modified, body = request("GET", port, "/posts/?page=1", "alice", If_None_Match=etag)
    assert status == 304 and body == b""
    assert not_modified["etag"] == etag and not_modified["cache-control"] == "private, no-cache"
    assert not_modified["vary"] == miss["vary"]

    status, _, body = request("HEAD", port, "/posts/?page=1", "alice", If_None_Match=f'W/{etag}, "x"')
    assert status == 304 and body == b""

    status, bobs, body = request("GET", port, "/posts/?page=1", "bob", If_None_Match=etag)
    assert status == 200 and body and bobs["etag"] != etag  # never another user's tag

    status, _, _ = request("PATCH", port, "/posts/1/", "alice", body={"title": "Changed over HTTP"})
    assert status == 200
    status, after, body = request("GET", port, "/posts/?page=1", "alice", If_None_Match=etag)
    assert status == 200 and after["etag"] != etag  # the write changed the answer: the full new body
    assert b"Changed over HTTP" in body
