from __future__ import annotations

from typing import Any

from adrf import serializers
from rest_framework import serializers as drf_serializers

from tests.testapp.models import Author, Note, Post, Tag


class AuthorSerializer(serializers.ModelSerializer):
    class Meta:
        model = Author
        fields = ["id", "name"]


class PostSerializer(serializers.ModelSerializer):
    author = AuthorSerializer(read_only=True)
    author_id = serializers.IntegerField(write_only=True)
    tags = drf_serializers.PrimaryKeyRelatedField(many=True, queryset=Tag.objects.all(), required=False)

    class Meta:
        model = Post
        fields = ["id", "title", "slug", "uuid", "body", "published", "author", "author_id", "tags", "owner"]
        read_only_fields = ["owner"]


class UUIDPostSerializer(PostSerializer):
    custom_id = "uuid"


class NoteSerializer(serializers.ModelSerializer):
    class Meta:
        model = Note
        fields = ["id", "text", "owner"]
        read_only_fields = ["owner"]

    def to_representation(self, instance: Any) -> Any:
        return super().to_representation(instance)


class TransferPostSerializer(PostSerializer):
    class Meta(PostSerializer.Meta):
        read_only_fields: list[str] = []


# -- one-hop serialization: serializers covering what adrf serializes field by field ------------


class TagSerializer(serializers.ModelSerializer):
    class Meta:
        model = Tag
        fields = ["id", "name"]


class FieldZooPostSerializer(serializers.ModelSerializer):
    """Nested (one and many), dotted sources, DRF and adrf field classes, a sync method field."""

    author = AuthorSerializer(read_only=True)
    author_name = serializers.CharField(source="author.name", read_only=True)
    author_pk = serializers.IntegerField(source="author.id", read_only=True)
    tag_list = TagSerializer(source="tags", many=True, read_only=True)
    tag_names = drf_serializers.SlugRelatedField(source="tags", slug_field="name", many=True, read_only=True)
    shout = drf_serializers.SerializerMethodField()
    flag = serializers.BooleanField(source="published", read_only=True)
    label = drf_serializers.ReadOnlyField(source="__str__")
    url = drf_serializers.HyperlinkedIdentityField(view_name="post-detail")

    class Meta:
        model = Post
        fields = [
            "id", "title", "slug", "uuid", "body", "published", "author", "author_name", "author_pk",
            "tag_list", "tag_names", "shout", "flag", "label", "url", "owner",
        ]

    def get_shout(self, post: Post) -> str:
        return post.title.upper() + "!"


class AsyncMethodPostSerializer(serializers.ModelSerializer):
    """adrf's async method field: only adrf's ``adata`` can serialize it."""

    shout = serializers.SerializerMethodField()

    class Meta:
        model = Post
        fields = ["id", "title", "shout"]

    async def get_shout(self, post: Post) -> str:
        return post.title.upper() + "!"
