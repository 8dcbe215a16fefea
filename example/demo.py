"""Serve the demo API on 127.0.0.1 and show the cache at work (``X-Cache: miss`` then ``hit``)."""

from __future__ import annotations

import base64
import os
import signal
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
HOST, PORT = "127.0.0.1", int(os.environ.get("PORT", "8000"))


def get(path: str, user: str | None = None) -> tuple[str, float, int]:
    request = urllib.request.Request(f"http://{HOST}:{PORT}{path}")
    if user:
        request.add_header("Authorization", "Basic " + base64.b64encode(f"{user}:demo".encode()).decode())
    started = time.perf_counter()
    with urllib.request.urlopen(request, timeout=10) as response:
        body = response.read()
        return response.headers.get("X-Cache", "-"), (time.perf_counter() - started) * 1000, len(body)


def _exit(signum: int, frame: object) -> None:
    raise SystemExit(128 + signum)


def main() -> None:
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "example.settings"}
    manage = [sys.executable, "-m", "django"]
    subprocess.run([*manage, "migrate", "--verbosity", "0"], check=True, cwd=ROOT, env=env)
    subprocess.run([*manage, "seed_demo"], check=True, cwd=ROOT, env=env)
    # SIGTERM (docker stop, kill, a supervisor) must stop uvicorn too, not only this process:
    # turn it into SystemExit so that the ``finally`` below terminates the server.
    signal.signal(signal.SIGTERM, _exit)
    signal.signal(signal.SIGHUP, _exit)
    server = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "uvicorn",
            "example.asgi:application",
            "--host",
            HOST,
            "--port",
            str(PORT),
            "--log-level",
            "warning",
        ],
        cwd=ROOT,
        env=env,
    )
    try:
        for _ in range(100):
            try:
                get("/posts/")
                break
            except OSError:
                time.sleep(0.1)
        print(f"\nadrf-caching demo on http://{HOST}:{PORT}/posts/  (users alice/bob, password 'demo')")
        redis_url = os.environ.get("REDIS_URL")
        print(f"cache: {'Redis at ' + redis_url if redis_url else 'local memory'}\n")
        for user in ("alice", "alice", "bob", "bob", None, None):
            outcome, ms, size = get("/posts/?page=2", user)
            who = user or "anonymous"
            print(f"  GET /posts/?page=2 as {who:9}  X-Cache: {outcome:4}  {ms:6.1f} ms  {size} bytes")
        print("\nEach user gets their own entries; a write (POST/PATCH/DELETE) outdates them at once.")
        print(f"Try: curl -i -u alice:demo http://{HOST}:{PORT}/posts/1/   (Ctrl-C to stop)\n")
        if os.environ.get("DEMO_EXIT"):
            return
        server.wait()
    except KeyboardInterrupt:
        pass
    finally:
        server.terminate()
        server.wait()


if __name__ == "__main__":
    main()
