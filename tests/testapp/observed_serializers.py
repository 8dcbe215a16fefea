"""Serializers of the issue 9 views: written the way real projects write them (plain DRF ones run in a thread)."""

from __future__ import annotations

from typing import Any

from adrf import serializers as adrf_serializers
from rest_framework import serializers

from tests.testapp.models import Author, Comment, Post, Review, Team, Ticket


class AuthorNameSerializer(serializers.ModelSerializer):
    class Meta:
        model = Author
        fields = ["id", "name"]


class PostTitleSerializer(serializers.ModelSerializer):
    class Meta:
        model = Post
        fields = ["id", "title"]


class WritablePostTitleSerializer(adrf_serializers.ModelSerializer):
    """adrf's ModelViewSet saves through ``asave``: writes need an adrf serializer."""

    class Meta:
        model = Post
        fields = ["id", "title"]


class DottedSourceSerializer(serializers.ModelSerializer):
    """``author.name`` is joined only by the view's ``get_queryset`` (``select_related``)."""

    author_name = serializers.CharField(source="author.name", read_only=True)

    class Meta:
        model = Post
        fields = ["id", "title", "author_name"]


class AuthorCountSerializer(serializers.ModelSerializer):
    post_count = serializers.IntegerField(read_only=True)

    class Meta:
        model = Author
        fields = ["id", "name", "post_count"]


class ReviewCountSerializer(serializers.ModelSerializer):
    review_count = serializers.SerializerMethodField()

    class Meta:
        model = Post
        fields = ["id", "title", "review_count"]

    def get_review_count(self, post: Post) -> int:
        return Review.objects.filter(post=post).count()


class ReviewSerializer(serializers.ModelSerializer):
    class Meta:
        model = Review
        fields = ["id", "text", "editor"]


class PostWithReviewsSerializer(serializers.ModelSerializer):
    reviews = ReviewSerializer(many=True, read_only=True)

    class Meta:
        model = Post
        fields = ["id", "title", "reviews"]


class ContextPostSerializer(serializers.ModelSerializer):
    """Needs the request in its context: it cannot even be built without one."""

    class Meta:
        model = Post
        fields = ["id", "title"]

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        request = self.context["request"]
        if "lean" not in request.query_params:
            self.fields["author"] = AuthorNameSerializer(read_only=True)


class CommentSerializer(serializers.ModelSerializer):
    target_name = serializers.SerializerMethodField()

    class Meta:
        model = Comment
        fields = ["id", "text", "target_name"]

    def get_target_name(self, comment: Comment) -> str:
        return str(comment.target)


class TeamSerializer(serializers.ModelSerializer):
    members = AuthorNameSerializer(many=True, read_only=True)
    roles = serializers.SerializerMethodField()

    class Meta:
        model = Team
        fields = ["id", "name", "members", "roles"]

    def get_roles(self, team: Team) -> list[str]:
        return [f"{m.author_id}:{m.role}" for m in team.memberships.order_by("id")]


class TagSerializer(serializers.Serializer):
    """A plain serializer: nothing in the view's class names a model."""

    id = serializers.IntegerField(read_only=True)
    name = serializers.CharField()


class TicketSerializer(serializers.ModelSerializer):
    class Meta:
        model = Ticket
        fields = ["id", "tenant", "title"]
