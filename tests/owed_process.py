"""One process of tests/test_owed_bumps.py: ``setup``, ``write <pk> <title>`` (then exit), or ``serve``
(answers ``get <url>`` lines on stdin with one JSON line each: status, X-Cache, titles)."""

from __future__ import annotations

import asyncio
import json
import os
import sys

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "tests.owed_settings")

import django

django.setup()

from django.core.management import call_command  # noqa: E402
from django.test import AsyncClient  # noqa: E402

from tests.testapp.models import Author, Post  # noqa: E402


def setup() -> None:
    call_command("migrate", verbosity=0)
    author = Author.objects.create(name="Ann")
    for n in range(3):
        Post.objects.create(title=f"Post {n}", slug=f"post-{n}", author=author)


def write(pk: str, title: str) -> None:
    post = Post.objects.get(pk=int(pk))
    post.title = title
    post.save()  # committed; its bump is owed if the cache refuses it
    print("written", flush=True)


async def serve() -> None:
    client = AsyncClient()
    loop = asyncio.get_running_loop()
    while True:
        line = (await loop.run_in_executor(None, sys.stdin.readline)).strip()
        if not line or line == "quit":
            return
        _, url = line.split(" ", 1)
        response = await client.get(url)
        titles = [p["title"] for p in json.loads(response.content)["results"]]
        print(json.dumps({"status": response.status_code, "cache": response.get("X-Cache"), "titles": titles}),
              flush=True)


if __name__ == "__main__":
    command = sys.argv[1]
    if command == "setup":
        setup()
    elif command == "write":
        write(sys.argv[2], sys.argv[3])
    else:
        asyncio.run(serve())
