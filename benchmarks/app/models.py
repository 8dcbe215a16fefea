from __future__ import annotations

from django.db import models


class Author(models.Model):
    name = models.CharField(max_length=100)
    bio = models.TextField()

    class Meta:
        app_label = "bench"


class Post(models.Model):
    author = models.ForeignKey(Author, on_delete=models.CASCADE, related_name="posts")
    # Seeded as "post <id> rev 0"; the mixed scenario writes "post <id> rev <n>" to detect stale reads.
    title = models.CharField(max_length=200)
    body = models.TextField()
    created = models.DateTimeField()

    class Meta:
        app_label = "bench"
        ordering = ["id"]
