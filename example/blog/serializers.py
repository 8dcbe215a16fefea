from __future__ import annotations

from adrf import serializers

from example.blog.models import Author, Post


class AuthorSerializer(serializers.ModelSerializer):
    class Meta:
        model = Author
        fields = ["id", "name"]


class PostSerializer(serializers.ModelSerializer):
    author = AuthorSerializer(read_only=True)
    author_id = serializers.IntegerField(write_only=True)

    class Meta:
        model = Post
        fields = ["id", "title", "body", "author", "author_id", "owner"]
        read_only_fields = ["owner"]
