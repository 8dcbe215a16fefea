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
