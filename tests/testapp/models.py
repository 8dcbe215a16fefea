from __future__ import annotations

import uuid

from django.conf import settings
from django.contrib.contenttypes.fields import GenericForeignKey
from django.contrib.contenttypes.models import ContentType
from django.db import models


class Author(models.Model):
    name = models.CharField(max_length=100)

    def __str__(self) -> str:
        return self.name


class Tag(models.Model):
    name = models.CharField(max_length=50)

    def __str__(self) -> str:
        return self.name


class Post(models.Model):
    title = models.CharField(max_length=200)
    slug = models.SlugField(unique=True)
    uuid = models.UUIDField(default=uuid.uuid4, unique=True)
    body = models.TextField(blank=True, default="")
    published = models.BooleanField(default=True)
    author = models.ForeignKey(Author, on_delete=models.CASCADE, related_name="posts")
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, null=True, related_name="posts"
    )
    tags = models.ManyToManyField(Tag, blank=True, related_name="posts")

    class Meta:
        ordering = ["id"]

    def __str__(self) -> str:
        return self.title


class Note(models.Model):
    """Private per-user rows: what one user reads must never reach another."""

    owner = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notes")
    text = models.CharField(max_length=200)

    class Meta:
        ordering = ["id"]


# -- Issue 9: models whose reads and writes the old dependency inference could not see -------------


class Editor(models.Model):
    """Referenced with ``on_delete=SET_NULL``: deleting one rewrites rows of another table."""

    name = models.CharField(max_length=100)


class Review(models.Model):
    post = models.ForeignKey(Post, on_delete=models.CASCADE, related_name="reviews")
    editor = models.ForeignKey(Editor, on_delete=models.SET_NULL, null=True, blank=True, related_name="reviews")
    text = models.CharField(max_length=200)

    class Meta:
        ordering = ["id"]


class Comment(models.Model):
    """Points at any row through a ``GenericForeignKey``."""

    content_type = models.ForeignKey(ContentType, on_delete=models.CASCADE)
    object_id = models.PositiveBigIntegerField()
    target = GenericForeignKey("content_type", "object_id")
    text = models.CharField(max_length=200)

    class Meta:
        ordering = ["id"]


class Team(models.Model):
    name = models.CharField(max_length=100)
    members = models.ManyToManyField(Author, through="Membership", related_name="teams")

    class Meta:
        ordering = ["id"]


class Membership(models.Model):
    """An explicit many-to-many ``through`` model."""

    team = models.ForeignKey(Team, on_delete=models.CASCADE, related_name="memberships")
    author = models.ForeignKey(Author, on_delete=models.CASCADE, related_name="memberships")
    role = models.CharField(max_length=50, default="member")

    class Meta:
        ordering = ["id"]


class Share(models.Model):
    """Grants one user read access to another user's post: checked in ``has_object_permission``."""

    post = models.ForeignKey(Post, on_delete=models.CASCADE, related_name="shares")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="shares")


class Ticket(models.Model):
    """Rows of several tenants: the view answers per ``X-Tenant`` header."""

    tenant = models.CharField(max_length=50)
    title = models.CharField(max_length=200)

    class Meta:
        ordering = ["id"]


class Announcement(models.Model):
    """Scheduled publishing: visible once ``publish_at`` has passed, with no write at that moment."""

    text = models.CharField(max_length=200)
    publish_at = models.DateTimeField()

    class Meta:
        ordering = ["id"]


class PostHeadline(models.Model):
    """An unmanaged model over a database view (built on another view): reads name no model table."""

    title = models.CharField(max_length=200)
    author_name = models.CharField(max_length=100)

    class Meta:
        managed = False
        db_table = "testapp_post_headlines"
        ordering = ["id"]


# -- Red team (tests/test_realistic.py): rows real projects keep next to the user ---------------------


class Organization(models.Model):
    """A tenant, chosen per request by a middleware or loaded by a permission."""

    name = models.CharField(max_length=100)
    slug = models.SlugField(unique=True)

    class Meta:
        ordering = ["id"]


class Profile(models.Model):
    """A one-to-one profile of a user, often loaded with the user (``select_related``)."""

    user = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="profile")
    display_name = models.CharField(max_length=100, default="")
    plan = models.CharField(max_length=20, default="free")
    api_key = models.CharField(max_length=40, unique=True, null=True, blank=True)


class PageCounter(models.Model):
    """A hit counter a GET increments."""

    name = models.CharField(max_length=50, unique=True)
    hits = models.IntegerField(default=0)
