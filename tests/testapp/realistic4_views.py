"""Red team, round 4 (tests/test_realistic4.py): reads and writes of SQL the way real projects write it
(model inheritance, unusual table names, raw SQL over tables and views no model describes, ORM reads of
every shape) and DRF features that read other tables. Each view has a cached and an uncached twin, mounted
under ``/c/<name>/<suffix>`` and ``/u/<name>/<suffix>`` (``REALISTIC4_TWINS`` and ``REALISTIC4_ROUTES``).
"""

from __future__ import annotations

from typing import Any

from adrf import generics as adrf_generics
from adrf.views import APIView
from asgiref.sync import sync_to_async
from django.db import connection
from django.db.models import Count, Max, Prefetch, Q
from django.db.models.expressions import RawSQL
from rest_framework import serializers
from rest_framework.pagination import LimitOffsetPagination
from rest_framework.permissions import AllowAny, DjangoModelPermissions, DjangoModelPermissionsOrAnonReadOnly
from rest_framework.response import Response
from rest_framework.throttling import ScopedRateThrottle
from rest_framework.versioning import AcceptHeaderVersioning, QueryParameterVersioning, URLPathVersioning

from adrf_caching import cached
from tests.testapp.models import (
    Announcement,
    Author,
    Comment,
    PageCounter,
    Post,
    R4DishReview,
    R4LegacyItem,
    R4OpenPlace,
    R4Order,
    R4Place,
    R4Restaurant,
    R4ShopItem,
    R4UserData,
    Review,
)

# -- 1. model inheritance, proxies, a GenericRelation, three levels of select_related -------------------


class Places(APIView):
    """Every place, with the restaurant child row when there is one and its notes (a reverse generic
    relation prefetched ``to_attr``)."""

    permission_classes = [AllowAny]

    async def get(self, request: Any) -> Response:
        def build() -> list[dict[str, Any]]:
            places = (
                R4Place.objects.select_related("r4restaurant")
                .prefetch_related(Prefetch("notes", queryset=Comment.objects.order_by("id"), to_attr="note_list"))
                .order_by("id")
            )
            rows = []
            for place in places:
                restaurant = getattr(place, "r4restaurant", None)
                rows.append(
                    {
                        "name": place.name,
                        "address": place.address,
                        "closed": place.closed,
                        "pizza": restaurant.serves_pizza if restaurant is not None else None,
                        "notes": [note.text for note in place.note_list],
                    }
                )
            return rows

        return Response(await sync_to_async(build)())


class RestaurantSerializer(serializers.ModelSerializer):
    dishes = serializers.StringRelatedField(many=True)  # Dish.__str__ reads the restaurant's parent row

    class Meta:
        model = R4Restaurant
        fields = ["id", "name", "address", "closed", "serves_pizza", "dishes"]


class SmallPages(LimitOffsetPagination):
    default_limit = 2


class Restaurants(adrf_generics.ListAPIView):
    queryset = R4Restaurant.objects.order_by("id")
    serializer_class = RestaurantSerializer
    permission_classes = [AllowAny]
    pagination_class = SmallPages


class PlaceNameSerializer(serializers.ModelSerializer):
    class Meta:
        model = R4OpenPlace
        fields = ["id", "name", "closed"]


class OpenPlaces(adrf_generics.ListAPIView):
    """A proxy model's own manager (open places only), ordered by the proxy's Meta."""

    serializer_class = PlaceNameSerializer
    permission_classes = [AllowAny]

    def get_queryset(self) -> Any:
        return R4OpenPlace.objects.all()


class DishReviewSerializer(serializers.ModelSerializer):
    dish = serializers.ReadOnlyField(source="dish.name")
    restaurant = serializers.ReadOnlyField(source="dish.restaurant.name")
    address = serializers.ReadOnlyField(source="dish.restaurant.address")

    class Meta:
        model = R4DishReview
        fields = ["id", "stars", "dish", "restaurant", "address"]


class DishReviews(adrf_generics.ListAPIView):
    queryset = R4DishReview.objects.select_related("dish__restaurant").order_by("id")
    serializer_class = DishReviewSerializer
    permission_classes = [AllowAny]


# -- 2. unusual table names: "Legacy_Items", "order", "shop_item" / "shop_item_tags", "user_data" -----------


class Shop(APIView):
    permission_classes = [AllowAny]

    async def get(self, request: Any) -> Response:
        uid = request.user.id

        def build() -> dict[str, Any]:
            with connection.cursor() as cursor:
                cursor.execute('SELECT item_id, SUM(quantity) FROM "order" GROUP BY item_id ORDER BY item_id')
                ordered = {row[0]: int(row[1]) for row in cursor.fetchall()}
                cursor.execute('SELECT label, price FROM "Legacy_Items" ORDER BY id')
                legacy = [list(row) for row in cursor.fetchall()]
            items = R4ShopItem.objects.prefetch_related("item_tags").order_by("id")
            return {
                "items": [
                    {"name": i.name, "tags": [t.tag for t in i.item_tags.all()], "ordered": ordered.get(i.pk, 0)}
                    for i in items
                ],
                "legacy": legacy,
                "legacy_orm": [[x.label, x.price] for x in R4LegacyItem.objects.order_by("id")],
                "orders": R4Order.objects.count(),
                "my_data": [[d.key, d.value] for d in R4UserData.objects.filter(user_id=uid).order_by("id")],
            }

        return Response(await sync_to_async(build)())


# -- 3. raw SQL reads, chosen by ?q= ------------------------------------------------------------------------

RAW_QUERIES: dict[str, str] = {
    # a legacy table no model describes, joined with a comma (as hand-written reports join)
    "comma_legacy": "SELECT p.title, r.stars FROM testapp_post p, r4_legacy_ratings r "
    "WHERE r.post_id = p.id ORDER BY p.id, r.stars",
    "join_legacy": "SELECT p.title, r.stars FROM testapp_post p JOIN r4_legacy_ratings r ON r.post_id = p.id "
    "ORDER BY p.id, r.stars",
    # a database view no model describes, joined with a comma
    "comma_view": "SELECT a.name, c.n FROM testapp_author a, r4_author_post_counts c "
    "WHERE c.author_id = a.id ORDER BY a.id",
    "comma_models": "SELECT p.title, a.name FROM testapp_post p, testapp_author a "
    "WHERE a.id = p.author_id ORDER BY p.id",
    # a view whose definition joins a table and another view with a comma
    "summary_view": "SELECT name, n FROM r4_author_summary ORDER BY id",
    "union": "SELECT title AS x FROM testapp_post UNION SELECT name FROM testapp_author ORDER BY x",
    "in_subquery": "SELECT title FROM testapp_post WHERE author_id IN "
    "(SELECT id FROM testapp_author WHERE name = 'Ann') ORDER BY id",
    "exists_legacy": "SELECT p.title FROM testapp_post p WHERE EXISTS "
    "(SELECT 1 FROM r4_legacy_ratings r WHERE r.post_id = p.id AND r.stars >= 4) ORDER BY p.id",
    "cte": "WITH counts AS (SELECT author_id, COUNT(*) AS n FROM testapp_post GROUP BY author_id) "
    "SELECT a.name, counts.n FROM testapp_author a JOIN counts ON counts.author_id = a.id ORDER BY a.id",
    "cte_legacy": "WITH best AS (SELECT post_id, MAX(stars) AS s FROM r4_legacy_ratings GROUP BY post_id) "
    "SELECT p.title, best.s FROM testapp_post p, best WHERE best.post_id = p.id ORDER BY p.id",
    "select_list": "SELECT a.name, (SELECT COUNT(*) FROM r4_legacy_ratings r JOIN testapp_post p ON p.id = r.post_id "
    "WHERE p.author_id = a.id) FROM testapp_author a ORDER BY a.id",
    # a display placeholder in a string literal
    "placeholder": "SELECT p.title, COALESCE(e.name, '--') FROM testapp_post p "
    "LEFT JOIN testapp_review r ON r.post_id = p.id LEFT JOIN testapp_editor e ON e.id = r.editor_id "
    "ORDER BY p.id, r.id",
    "quoted_legacy": 'SELECT label, price FROM "Legacy_Items" ORDER BY id',
}
POSTGRES_RAW_QUERIES: dict[str, str] = {
    "lateral": "SELECT a.name, x.n FROM testapp_author a CROSS JOIN LATERAL (SELECT COUNT(*) AS n "
    "FROM r4_legacy_ratings r JOIN testapp_post p ON p.id = r.post_id WHERE p.author_id = a.id) x ORDER BY a.id",
    "comma_lateral": "SELECT a.name, x.n FROM testapp_author a, LATERAL (SELECT COUNT(*) AS n "
    "FROM testapp_post p WHERE p.author_id = a.id) x ORDER BY a.id",
    # a view in a reporting schema (schema-qualified: not on the search path)
    "schema_view": "SELECT a.name, t.n FROM testapp_author a JOIN r4_reporting.post_totals t ON t.author_id = a.id "
    "ORDER BY a.id",
    # a SQL function that reads a table: what it reads is not observed (README, "Limits"); the view
    # that calls it names the table with depends_on (r4-function)
    "function": "SELECT name, r4_post_count(id) FROM testapp_author ORDER BY id",
}


class RawReport(APIView):
    permission_classes = [AllowAny]

    async def get(self, request: Any) -> Response:
        name = request.query_params.get("q", "comma_models")
        sql = {**RAW_QUERIES, **POSTGRES_RAW_QUERIES}[name]

        def run() -> list[list[Any]]:
            with connection.cursor() as cursor:
                cursor.execute(sql)
                return [[int(v) if isinstance(v, int) else v for v in row] for row in cursor.fetchall()]

        return Response({"q": name, "rows": await sync_to_async(run)()})


class OrmRawReport(APIView):
    """``.raw()``, ``extra(tables=..., where=...)`` and a ``RawSQL`` annotation reading another table."""

    permission_classes = [AllowAny]

    async def get(self, request: Any) -> Response:
        def build() -> dict[str, Any]:
            raw = Post.objects.raw(
                "SELECT p.id, p.title, a.name AS author_name FROM testapp_post p "
                "JOIN testapp_author a ON a.id = p.author_id ORDER BY p.id"
            )
            extra = (
                Post.objects.extra(tables=["testapp_author"], where=["testapp_author.id = testapp_post.author_id"])
                .extra(select={"author_name": "testapp_author.name"})
                .order_by("id")
            )
            annotated = Post.objects.annotate(
                n_reviews=RawSQL("SELECT COUNT(*) FROM testapp_review r WHERE r.post_id = testapp_post.id", []),
                n_stars=RawSQL(
                    "SELECT COALESCE(SUM(stars), 0) FROM r4_legacy_ratings x WHERE x.post_id = testapp_post.id", []
                ),
            ).order_by("id")
            return {
                "raw": [[p.title, p.author_name] for p in raw],
                "extra": [[p.title, p.author_name] for p in extra],
                "annotated": [[p.title, int(p.n_reviews), int(p.n_stars)] for p in annotated],
                "reviews": list(Review.objects.order_by("id").values_list("text", flat=True)),
            }

        return Response(await sync_to_async(build)())


# -- 4. ORM reads of every shape, chosen by ?q= --------------------------------------------------------------


def _orm_read(name: str) -> Any:
    if name == "iterator":
        return [
            [p.title, p.author.name]
            for p in Post.objects.select_related("author").order_by("id").iterator(chunk_size=2)
        ]
    if name == "values_list":
        return {
            "authors": list(Post.objects.order_by("id").values_list("author__name", flat=True)),
            "tags": sorted(Post.objects.filter(tags__isnull=False).values_list("tags__name", flat=True)),
        }
    if name == "count_distinct":
        rows = Author.objects.annotate(
            tags=Count("posts__tags", distinct=True), reviews=Count("posts__reviews", distinct=True)
        ).order_by("id")
        return [[a.name, a.tags, a.reviews] for a in rows]
    if name == "aggregate":
        return Review.objects.aggregate(n=Count("id"), editors=Count("editor", distinct=True), top=Max("post__title"))
    if name == "dates":
        return {
            "months": [d.isoformat() for d in Announcement.objects.dates("publish_at", "month")],
            "days": [d.isoformat() for d in Announcement.objects.datetimes("publish_at", "day")],
        }
    if name == "distinct_on":
        return list(Post.objects.order_by("author_id", "-id").distinct("author_id").values_list("title", flat=True))
    if name == "union":
        return sorted(
            Post.objects.filter(published=True)
            .order_by()
            .values_list("title", flat=True)
            .union(Author.objects.order_by().values_list("name", flat=True))
        )
    if name == "intersection":
        return sorted(
            Post.objects.filter(author__name="Ann")
            .order_by()
            .values_list("title", flat=True)
            .intersection(Post.objects.filter(reviews__isnull=False).order_by().values_list("title", flat=True))
        )
    if name == "difference":
        return sorted(
            Post.objects.order_by()
            .values_list("title", flat=True)
            .difference(
                Post.objects.filter(Q(shares__isnull=False) | Q(tags__name="red"))
                .order_by()
                .values_list("title", flat=True)
            )
        )
    raise ValueError(name)


class OrmReads(APIView):
    permission_classes = [AllowAny]

    async def get(self, request: Any) -> Response:
        name = request.query_params.get("q", "iterator")
        if name == "aiterator":
            titles = [p.title async for p in Post.objects.filter(published=True).order_by("id").aiterator(chunk_size=2)]
            return Response({"q": name, "data": titles})
        return Response({"q": name, "data": await sync_to_async(_orm_read)(name)})


# -- 5. DRF: versioning, model permissions, serializer context, throttles --------------------------------------


class PostV1Serializer(serializers.ModelSerializer):
    class Meta:
        model = Post
        fields = ["id", "title"]


class PostV2Serializer(serializers.ModelSerializer):
    author = serializers.StringRelatedField()
    tags = serializers.SlugRelatedField(many=True, read_only=True, slug_field="name")

    class Meta:
        model = Post
        fields = ["id", "title", "author", "tags"]


class VersionedPosts(adrf_generics.ListAPIView):
    queryset = Post.objects.order_by("id")
    permission_classes = [AllowAny]

    def get_serializer_class(self) -> Any:
        return PostV2Serializer if self.request.version == "v2" else PostV1Serializer


class QueryVersionedPosts(VersionedPosts):
    versioning_class = QueryParameterVersioning


class AcceptVersionedPosts(VersionedPosts):
    versioning_class = AcceptHeaderVersioning


class PathVersionedPosts(VersionedPosts):
    versioning_class = URLPathVersioning


class ViewModelPermissions(DjangoModelPermissions):
    """As DRF's docs suggest for read permissions: GET needs ``view_<model>``."""

    perms_map = {
        **DjangoModelPermissions.perms_map,
        "GET": ["%(app_label)s.view_%(model_name)s"],
        "HEAD": ["%(app_label)s.view_%(model_name)s"],
    }


class CanEditSerializer(serializers.ModelSerializer):
    can_edit = serializers.SerializerMethodField()

    class Meta:
        model = Post
        fields = ["id", "title", "can_edit"]

    def get_can_edit(self, post: Post) -> bool:
        return bool(self.context["request"].user.has_perm("testapp.change_post"))


class PermittedPosts(adrf_generics.ListAPIView):
    queryset = Post.objects.order_by("id")
    serializer_class = CanEditSerializer
    permission_classes = [ViewModelPermissions]


class AnonReadablePosts(PermittedPosts):
    permission_classes = [DjangoModelPermissionsOrAnonReadOnly]


class PricedSerializer(serializers.ModelSerializer):
    price = serializers.SerializerMethodField()

    class Meta:
        model = Post
        fields = ["id", "title", "price"]

    def get_price(self, post: Post) -> int:
        return int(post.id) * int(self.context["rate"])


class PricedPosts(adrf_generics.ListAPIView):
    """``get_serializer_context`` adds an exchange rate a site-settings row holds (loaded in ``initial()``)."""

    queryset = Post.objects.order_by("id")
    serializer_class = PricedSerializer
    permission_classes = [AllowAny]

    def initial(self, request: Any, *args: Any, **kwargs: Any) -> None:
        super().initial(request, *args, **kwargs)
        row = PageCounter.objects.filter(name="fx-rate").first()
        self.rate = row.hits if row is not None else 1

    def get_serializer_context(self) -> dict[str, Any]:
        context = super().get_serializer_context()
        context["rate"] = self.rate
        return context


class R4ScopedThrottle(ScopedRateThrottle):
    THROTTLE_RATES = {"r4-cached": "4/min", "r4-plain": "4/min"}


class ThrottledPosts(adrf_generics.ListAPIView):
    queryset = Post.objects.order_by("id")
    serializer_class = PostV1Serializer
    permission_classes = [AllowAny]
    throttle_classes = [R4ScopedThrottle]
    throttle_scope = "r4-plain"


class CachedThrottledPosts(cached(ThrottledPosts)):  # type: ignore[misc]
    throttle_scope = "r4-cached"


# name -> (cached view, uncached view)
REALISTIC4_TWINS: dict[str, tuple[Any, Any]] = {
    "r4-places": (cached(Places), Places),
    "r4-restaurants": (cached(Restaurants), Restaurants),
    "r4-open-places": (cached(OpenPlaces), OpenPlaces),
    "r4-dish-reviews": (cached(DishReviews), DishReviews),
    "r4-shop": (cached(Shop), Shop),
    "r4-raw": (cached(RawReport), RawReport),
    "r4-function": (cached(RawReport, depends_on=[Post]), RawReport),
    "r4-orm-raw": (cached(OrmRawReport), OrmRawReport),
    "r4-orm": (cached(OrmReads), OrmReads),
    "r4-version-query": (cached(QueryVersionedPosts), QueryVersionedPosts),
    "r4-version-accept": (cached(AcceptVersionedPosts), AcceptVersionedPosts),
    "r4-version-path": (cached(PathVersionedPosts), PathVersionedPosts),
    "r4-model-perms": (cached(PermittedPosts), PermittedPosts),
    "r4-anon-read-perms": (cached(AnonReadablePosts), AnonReadablePosts),
    "r4-priced": (cached(PricedPosts), PricedPosts),
    "r4-throttled": (CachedThrottledPosts, ThrottledPosts),
}

REALISTIC4_ROUTES: dict[str, str] = {"r4-version-path": "<str:version>/"}
