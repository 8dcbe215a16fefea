"""Reset the data set and pre-render the bytes rows 1 and 2 serve.  ``python -m benchmarks.app.seed``.

Deterministic: the same authors, posts and users (fixed ids, fixed timestamps) on every run, so
every contender starts from identical data. Also writes the payload file and the Redis keys of
row 2, rendered by the row-3 viewset itself so all rows serve the same bytes.
"""

from __future__ import annotations

import argparse
import json
import os
from datetime import datetime, timedelta, timezone

os.environ["BENCH_CONTENDER"] = "adrf-uncached"
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "benchmarks.app.settings")

import django

django.setup()

import redis  # noqa: E402
from django.conf import settings  # noqa: E402
from django.contrib.auth.models import User  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.db import transaction  # noqa: E402
from django.test import Client  # noqa: E402

from benchmarks.app import payloads  # noqa: E402
from benchmarks.app.contenders import N_AUTHORS, N_PAGES, N_POSTS, N_USERS  # noqa: E402
from benchmarks.app.models import Author, Post  # noqa: E402
from benchmarks.app.tokens import authorization_header  # noqa: E402

EPOCH = datetime(2025, 1, 1, tzinfo=timezone.utc)
LOREM = (
    "Lorem ipsum dolor sit amet, consectetur adipiscing elit, sed do eiusmod tempor incididunt ut "
    "labore et dolore magna aliqua. Ut enim ad minim veniam, quis nostrud exercitation ullamco. "
)


@transaction.atomic
def reset_data() -> None:
    Post.objects.all().delete()
    Author.objects.all().delete()
    User.objects.filter(username__startswith="user").delete()
    User.objects.bulk_create(User(id=i, username=f"user{i}") for i in range(1, N_USERS + 1))
    Author.objects.bulk_create(
        Author(id=i, name=f"Author {i}", bio=f"Author {i} writes about caching. " * 3)
        for i in range(1, N_AUTHORS + 1)
    )
    Post.objects.bulk_create(
        Post(
            id=i,
            author_id=(i % N_AUTHORS) + 1,
            title=f"post {i} rev 0",
            body=LOREM[: 120 + (i * 7) % 120],
            created=EPOCH + timedelta(minutes=i),
        )
        for i in range(1, N_POSTS + 1)
    )


def render_payloads(host: str) -> dict[str, str]:
    server_name, _, port = host.partition(":")
    client = Client(
        SERVER_NAME=server_name, SERVER_PORT=port or "80", HTTP_AUTHORIZATION=authorization_header(1)
    )
    rendered: dict[str, str] = {}
    for page in range(1, N_PAGES + 1):
        response = client.get("/posts/", {"page": page})
        assert response.status_code == 200, response.content
        rendered[payloads.list_key(page)] = response.content.decode()
    for pk in range(1, N_POSTS + 1):
        response = client.get(f"/posts/{pk}/")
        assert response.status_code == 200, response.content
        rendered[payloads.detail_key(pk)] = response.content.decode()
    return rendered


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--host", default="127.0.0.1:8000", help="host:port the server will listen on")
    args = parser.parse_args()

    settings.DATA_DIR.mkdir(parents=True, exist_ok=True)
    call_command("migrate", verbosity=0, interactive=False)
    reset_data()
    rendered = render_payloads(args.host)
    payloads.PAYLOAD_FILE.write_text(json.dumps(rendered))
    client = redis.Redis.from_url(settings.REDIS_URL)
    client.mset({payloads.REDIS_PREFIX + key: value.encode() for key, value in rendered.items()})
    client.close()
    size = len(rendered[payloads.list_key(1)])
    print(f"seeded {N_POSTS} posts, {N_AUTHORS} authors, {N_USERS} users; list page = {size} bytes")


if __name__ == "__main__":
    main()
