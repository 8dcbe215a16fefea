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


# -- Red team round 4 (tests/test_realistic4.py): inheritance, unusual table names, raw tables ----------

from django.contrib.contenttypes.fields import GenericRelation  # noqa: E402


class R4Place(models.Model):
    """The parent of a multi-table inheritance; comments hang on it through a ``GenericRelation``."""

    name = models.CharField(max_length=100)
    address = models.CharField(max_length=200, default="")
    closed = models.BooleanField(default=False)
    notes = GenericRelation(Comment, related_query_name="r4_place")

    class Meta:
        ordering = ["id"]

    def __str__(self) -> str:
        return self.name


class R4Restaurant(R4Place):
    """A child table: its rows join the parent's."""

    serves_pizza = models.BooleanField(default=False)

    class Meta:
        ordering = ["id"]


class R4OpenPlaceManager(models.Manager["R4OpenPlace"]):
    def get_queryset(self) -> models.QuerySet[R4OpenPlace]:
        return super().get_queryset().filter(closed=False)


class R4OpenPlace(R4Place):
    """A proxy with its own manager (only the open places)."""

    objects = R4OpenPlaceManager()

    class Meta:
        proxy = True
        ordering = ["name"]


class R4Dish(models.Model):
    restaurant = models.ForeignKey(R4Restaurant, on_delete=models.CASCADE, related_name="dishes")
    name = models.CharField(max_length=100)

    class Meta:
        ordering = ["id"]

    def __str__(self) -> str:
        return f"{self.name} at {self.restaurant.name}"  # reads the restaurant (and its parent row)


class R4DishReview(models.Model):
    dish = models.ForeignKey(R4Dish, on_delete=models.CASCADE, related_name="reviews")
    stars = models.IntegerField(default=3)

    class Meta:
        ordering = ["id"]


class R4Stamped(models.Model):
    """An abstract base: its fields live in each child's table."""

    label = models.CharField(max_length=100)

    class Meta:
        abstract = True


class R4LegacyItem(R4Stamped):
    """A table of a legacy schema, in mixed case."""

    price = models.IntegerField(default=0)

    class Meta:
        db_table = "Legacy_Items"
        ordering = ["id"]


class R4ShopItem(models.Model):
    name = models.CharField(max_length=100)

    class Meta:
        db_table = "shop_item"
        ordering = ["id"]


class R4ShopItemTag(models.Model):
    """``shop_item_tags``: a table whose name starts with another table's name."""

    item = models.ForeignKey(R4ShopItem, on_delete=models.CASCADE, related_name="item_tags")
    tag = models.CharField(max_length=50)

    class Meta:
        db_table = "shop_item_tags"
        ordering = ["id"]


class R4Order(models.Model):
    """``order``: a table named by an SQL keyword."""

    item = models.ForeignKey(R4ShopItem, on_delete=models.CASCADE, related_name="orders")
    quantity = models.IntegerField(default=1)

    class Meta:
        db_table = "order"
        ordering = ["id"]


class R4UserData(models.Model):
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="r4_data")
    key = models.CharField(max_length=50)
    value = models.CharField(max_length=200)

    class Meta:
        db_table = "user_data"
        ordering = ["id"]
