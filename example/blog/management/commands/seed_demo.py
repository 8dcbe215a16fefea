from __future__ import annotations

from typing import Any

from django.contrib.auth.models import User
from django.core.management.base import BaseCommand

from example.blog.models import Author, Post


class Command(BaseCommand):
    help = "Create the demo users (alice, bob; password 'demo') and 100 posts, once."

    def handle(self, *args: Any, **options: Any) -> None:
        if Post.objects.exists():
            self.stdout.write("demo data already present")
            return
        alice = User.objects.create_user("alice", password="demo")
        User.objects.create_user("bob", password="demo")
        authors = [Author.objects.create(name=name) for name in ("Ada", "Grace", "Edsger")]
        Post.objects.bulk_create(
            Post(title=f"Post {n}", body="Lorem ipsum " * 20, author=authors[n % 3], owner=alice)
            for n in range(100)
        )
        self.stdout.write("created users alice/bob (password 'demo') and 100 posts")
