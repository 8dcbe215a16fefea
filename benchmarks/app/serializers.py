"""One set of serializers: adrf's ModelSerializer (``adata`` for async views, ``data`` for DRF)."""

from __future__ import annotations

from adrf.serializers import ModelSerializer

from benchmarks.app.models import Author, Post


class AuthorSerializer(ModelSerializer):
    class Meta:
        model = Author
        fields = ["id", "name", "bio"]


class PostSerializer(ModelSerializer):
    author = AuthorSerializer(read_only=True)

    class Meta:
        model = Post
        fields = ["id", "title", "body", "created", "author"]
