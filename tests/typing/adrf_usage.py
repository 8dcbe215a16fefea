"""Static typing checks for the adrf stubs in stubs/adrf-stubs.

This module is only type-checked (``scripts/check_stubs.sh`` runs ``mypy --strict`` on it);
it is never imported or collected by pytest (the name does not match ``test_*.py``).

Positive checks use ``assert_type``. Negative checks are lines that must produce a specific
mypy error, silenced with ``# type: ignore[code]``: mypy --strict enables
``warn_unused_ignores``, so if a stub change makes one of them stop failing, mypy reports
the ignore as unused and the check fails.
"""

from __future__ import annotations

from typing import Any

from adrf import (
    decorators,
    fields,
    generics,
    mixins,
    permissions,
    routers,
    serializers,
    shortcuts,
    test,
    viewsets,
)
from adrf.requests import AsyncRequest
from adrf.views import APIView
from django.core.handlers.asgi import ASGIRequest
from django.db.models import QuerySet
from django.http import HttpRequest
from django.http.response import HttpResponseBase
from django.urls import URLPattern, URLResolver
from rest_framework import fields as drf_fields
from rest_framework import serializers as drf_serializers
from rest_framework.generics import GenericAPIView as DRFGenericAPIView
from rest_framework.permissions import IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.utils.serializer_helpers import ReturnDict, ReturnList
from rest_framework.views import APIView as DRFAPIView
from rest_framework.viewsets import ModelViewSet as DRFModelViewSet
from typing_extensions import assert_type

from tests.typing_app.models import Author, Post

# --- serializers -------------------------------------------------------------------------


class AuthorSerializer(serializers.ModelSerializer[Author]):
    class Meta:
        model = Author
        fields = ["id", "name"]


class PostSerializer(serializers.ModelSerializer[Post]):
    title_upper = serializers.SerializerMethodField()

    class Meta:
        model = Post
        fields = ["id", "title", "body", "author", "title_upper"]

    async def get_title_upper(self, obj: Post) -> str:
        return obj.title.upper()


class PlainSerializer(serializers.Serializer[dict[str, Any]]):
    name = fields.CharField(max_length=10)


async def serializer_usage(post: Post) -> None:
    ser = PostSerializer(post)
    assert_type(await ser.adata, ReturnDict[str, Any])
    assert_type(await ser.ato_representation(post), dict[str, Any])
    assert_type(await ser.asave(), Post)
    assert_type(await ser.acreate({"title": "t"}), Post)
    assert_type(await ser.aupdate(post, {"title": "t"}), Post)
    assert_type(ser.save(), Post)  # the sync DRF API is still there

    # adrf serializers are DRF serializers.
    drf_ser: drf_serializers.ModelSerializer[Post] = ser
    assert_type(drf_ser.data, ReturnDict[Any, Any])

    listing = serializers.ListSerializer[list[Post]](child=PostSerializer())
    assert_type(await listing.adata, ReturnList[Any])
    assert_type(await listing.ato_representation(Post.objects.all()), list[Any])

    plain = PlainSerializer(data={"name": "x"})
    assert_type(await plain.adata, ReturnDict[str, Any])

    # `adata` is an async property: it must be awaited.
    not_awaited: ReturnDict[str, Any] = ser.adata  # type: ignore[assignment]
    # `asave()` returns the serializer's model type.
    wrong_model: Author = await ser.asave()  # type: ignore[assignment]
    # ModelSerializer is generic over a Model.
    _ = serializers.ModelSerializer[int]  # type: ignore[type-var]
    del not_awaited, wrong_model


def field_usage() -> None:
    assert_type(serializers.CharField, type[fields.CharField])
    char: drf_fields.CharField = fields.CharField()
    integer: drf_fields.IntegerField = serializers.IntegerField()
    method: drf_fields.SerializerMethodField = fields.SerializerMethodField()
    generic_field = fields.Field[int, int, int, Any]()
    del char, integer, method, generic_field


async def field_async_usage() -> None:
    assert_type(await fields.CharField().ato_representation("x"), Any)


# --- viewsets ----------------------------------------------------------------------------


class PostViewSet(viewsets.ModelViewSet[Post]):
    queryset = Post.objects.all()
    serializer_class = PostSerializer

    async def perform_acreate(self, serializer: serializers.BaseSerializer[Post]) -> None:
        author = await Author.objects.afirst()
        assert_type(await serializer.asave(author=author), Post)

    async def summary(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        post = await self.aget_object()
        assert_type(post, Post)
        queryset = await self.afilter_queryset(self.get_queryset())
        assert_type(queryset, QuerySet[Post, Post])
        page = await self.apaginate_queryset(queryset)
        assert_type(page, list[Post] | None)
        if page is not None:
            data = await mixins.get_data(self.get_serializer(page, many=True))
            return await self.get_apaginated_response(data)
        assert_type(await mixins.get_data(self.get_serializer(post)), Any)
        assert_type(self.request, Request)
        return Response({"title": post.title})

    async def all_actions(self, request: Request) -> None:
        assert_type(await self.alist(request), Response)
        assert_type(await self.aretrieve(request, pk=1), Response)
        assert_type(await self.acreate(request), Response)
        assert_type(await self.aupdate(request, pk=1), Response)
        assert_type(await self.partial_aupdate(request, pk=1), Response)
        assert_type(await self.adestroy(request, pk=1), Response)
        assert_type(self.list(request), Response)  # DRF's sync actions are inherited

    async def negative(self) -> None:
        # aget_object() is typed with the viewset's model.
        author: Author = await self.aget_object()  # type: ignore[assignment]
        # perform_acreate awaits serializer.asave(): a plain DRF serializer is rejected.
        await self.perform_acreate(self.get_serializer())  # type: ignore[arg-type]
        # aretrieve/aupdate/adestroy need the request.
        await self.aretrieve()  # type: ignore[call-arg]
        del author


class AuthorReadOnlyViewSet(viewsets.ReadOnlyModelViewSet[Author]):
    queryset = Author.objects.all()
    serializer_class = AuthorSerializer

    async def author_name(self) -> str:
        return (await self.aget_object()).name


class PingViewSet(viewsets.ViewSet):
    async def alist(self, request: Request) -> Response:
        return Response({"ok": True})


class BareGenericViewSet(viewsets.GenericViewSet[Post]):
    async def first(self) -> Post:
        return await self.aget_object()


# Not a Model: rejected.
class BadViewSet(viewsets.ModelViewSet[int]):  # type: ignore[type-var]
    pass


def viewset_usage(request: HttpRequest) -> None:
    # adrf viewsets are DRF generic views (e.g. for code typed against DRF) ...
    drf_view: DRFGenericAPIView[Post] = PostViewSet()
    # ... but not DRF ModelViewSets: adrf.viewsets.ModelViewSet only shares DRF's mixins.
    drf_viewset: DRFModelViewSet[Post] = PostViewSet()  # type: ignore[assignment]
    assert_type(PostViewSet.view_is_async, bool)
    view = PostViewSet.as_view({"get": "alist", "post": "acreate"})
    assert_type(view.cls, type[DRFAPIView])
    # (Calling `view` is not asserted: for async viewsets it returns a coroutine at runtime,
    # while the declared type follows DRF's sync `as_view` signature.)
    assert_type(PostViewSet().initialize_request(request), AsyncRequest)
    del drf_view, drf_viewset


# --- generic views -----------------------------------------------------------------------


class PostList(generics.ListCreateAPIView[Post]):
    queryset = Post.objects.select_related("author")
    serializer_class = PostSerializer

    async def get(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        return await self.alist(request, *args, **kwargs)


class PostDetail(generics.RetrieveUpdateDestroyAPIView[Post]):
    queryset = Post.objects.all()
    serializer_class = PostSerializer

    async def perform_adestroy(self, instance: Post) -> None:
        await instance.adelete()


class C1(generics.CreateAPIView[Post]): ...


class C2(generics.ListAPIView[Post]): ...


class C3(generics.RetrieveAPIView[Post]): ...


class C4(generics.DestroyAPIView[Post]): ...


class C5(generics.UpdateAPIView[Post]): ...


class C6(generics.RetrieveUpdateAPIView[Post]): ...


class C7(generics.RetrieveDestroyAPIView[Post]): ...


class C8(generics.GenericAPIView[Post]): ...


async def generics_usage(request: Request) -> None:
    assert_type(await generics.aget_object_or_404(Post.objects.all(), pk=1), Post)
    assert_type(await generics.aget_object_or_404(Post, pk=1), Post)
    assert_type(await shortcuts.aget_object_or_404(Author.objects, pk=1), Author)
    assert_type(await C3().aget_object(), Post)
    assert_type(await C2().get(request), Response)
    assert_type(await C6().patch(request), Response)
    assert_type(await C4().delete(request), Response)
    # Subscripted generics are usable as expressions too (DRF's __class_getitem__ returns cls).
    alias = generics.ListCreateAPIView[Post]
    assert_type(alias(), generics.ListCreateAPIView[Post])
    # The concrete generics are generic over a Model.
    _ = generics.ListCreateAPIView[str]  # type: ignore[type-var]


# --- APIView, decorators, permissions ----------------------------------------------------


# Known limitation: mypy checks an override against *every* class in the MRO, so an
# `async def has_permission` always conflicts with DRF's sync `BasePermission.has_permission`
# (bool vs Coroutine), even though it matches `AsyncBasePermission`. Users need this ignore.
class IsOwner(permissions.AsyncBasePermission):
    async def has_permission(self, request: Request, view: DRFAPIView) -> bool:  # type: ignore[override]
        return True

    async def has_object_permission(self, request: Request, view: DRFAPIView, obj: Any) -> bool:  # type: ignore[override]
        return isinstance(obj, Post)


class SyncOverride(permissions.AsyncBasePermission):
    # AsyncBasePermission's checks are coroutines; a sync override is an error.
    def has_permission(self, request: Request, view: DRFAPIView) -> bool:  # type: ignore[override]
        return True


class NarrowView(permissions.AsyncBasePermission):
    # Permissions receive any DRF view, so narrowing `view` is an error.
    async def has_permission(self, request: Request, view: APIView) -> bool:  # type: ignore[override]
        return True


class Hello(APIView):
    permission_classes = [IsAuthenticated, IsOwner, IsOwner & IsAuthenticated, ~IsOwner]

    async def get(self, request: Request) -> Response:
        await self.check_async_permissions(request, self.get_permissions())
        durations = await self.check_async_throttles(request, self.get_throttles())
        assert_type(durations, list[float | None])
        return Response({"hello": "world"})


async def apiview_usage(request: HttpRequest) -> None:
    view = Hello()
    assert_type(await view.async_dispatch(request), HttpResponseBase)
    assert_type(view.sync_dispatch(request), HttpResponseBase)
    assert_type(view.initialize_request(request), AsyncRequest)
    assert_type(IsOwner & IsAuthenticated, permissions.AsyncOperandHolder)
    assert_type(IsOwner | IsAuthenticated, permissions.AsyncOperandHolder)
    assert_type(~IsOwner, permissions.AsyncSingleOperandHolder)
    assert_type(await permissions.AAND(IsOwner(), IsOwner()).has_permission(view.request, view), bool)
    op = permissions.try_convert_operator(IsOwner())
    assert_type(op, IsOwner | permissions.AAND | permissions.AOR | permissions.ANOT)


@decorators.api_view(["GET"])
async def async_function_view(request: Request) -> Response:
    return Response({"user": str(request.user)})


@decorators.api_view(["POST"])
def sync_function_view(request: Request, pk: int) -> Response:
    return Response({"pk": pk})


def function_view_usage(request: HttpRequest) -> None:
    assert_type(async_function_view.csrf_exempt, bool)
    assert_type(sync_function_view(request, 1), Response)
    assert_type(sync_function_view.view_class, type[DRFAPIView])
    # Extra view arguments are checked.
    sync_function_view(request, "1")  # type: ignore[arg-type]


async def async_function_view_usage(request: HttpRequest) -> None:
    assert_type(await async_function_view(request), Response)


# --- routers -----------------------------------------------------------------------------


def router_usage() -> list[URLPattern | URLResolver]:
    router = routers.DefaultRouter()
    router.register("posts", PostViewSet, basename="post")
    router.register("authors", AuthorReadOnlyViewSet)
    simple = routers.SimpleRouter(trailing_slash=False)
    simple.register("ping", PingViewSet, basename="ping")
    assert_type(routers.SimpleRouter.sync_to_async_action_map, dict[str, str])
    assert_type(simple.get_method_map(PostViewSet, {"get": "list"}), dict[str, str])
    # Only viewsets can be registered.
    router.register("hello", Hello)  # type: ignore[arg-type]
    return [*router.urls, *simple.urls]


# --- test client -------------------------------------------------------------------------


async def test_client_usage(user: Author) -> None:
    factory = test.AsyncAPIRequestFactory()
    assert_type(factory.get("/posts/", {"page": "1"}), ASGIRequest)
    assert_type(factory.post("/posts/", {"title": "x"}, format="json"), ASGIRequest)

    client = test.AsyncAPIClient()
    client.credentials(HTTP_AUTHORIZATION="Token abc")
    client.force_authenticate(user=None)
    response = await client.get("/posts/")
    assert_type(response.status_code, int)
    assert_type(response.json(), Any)
    response = await client.post("/posts/", {"title": "x"}, format="json")
    response = await client.patch("/posts/1/", {"title": "y"}, format="json")
    response = await client.delete("/posts/1/")
    response = await client.generic("GET", "/posts/")
    response = await client.head("/posts/")
    factory_request = factory.generic("GET", "/posts/")
    assert_type(factory_request, ASGIRequest)
    # Request methods return coroutines: they must be awaited.
    not_awaited: int = client.get("/posts/").status_code  # type: ignore[attr-defined]
    # force_authenticate wants a user model, not any model instance.
    client.force_authenticate(user=user)  # type: ignore[arg-type]
    del not_awaited
