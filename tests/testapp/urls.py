from __future__ import annotations

from adrf.routers import DefaultRouter
from django.urls import include, path
from rest_framework.routers import SimpleRouter as DRFSimpleRouter

from adrf_caching import cached
from tests.testapp import views

router = DefaultRouter()
router.register("posts", views.PostViewSet, basename="post")
router.register("uncached-posts", views.UncachedPostViewSet, basename="uncached-post")
router.register("factory-posts", cached(views.FactoryPostViewSet), basename="factory-post")
router.register("action-posts", views.CachedActionsPostViewSet, basename="action-post")
router.register("slug-posts", views.SlugPostViewSet, basename="slug-post")
router.register("uuid-posts", views.UUIDPostViewSet, basename="uuid-post")
router.register("published-posts", views.PublishedPostViewSet, basename="published-post")
router.register("notes", views.NoteViewSet, basename="note")
router.register("uncached-notes", views.UncachedNoteViewSet, basename="uncached-note")
router.register("staff-posts", views.StaffPostViewSet, basename="staff-post")
router.register("header-posts", views.HeaderPostViewSet, basename="header-post")
router.register("transfer-posts", views.TransferPostViewSet, basename="transfer-post")
router.register("shared-posts", views.SharedPostViewSet, basename="shared-post")
router.register("uncached-staff-posts", views.UncachedStaffPostViewSet, basename="uncached-staff-post")

# DRF's own router maps GET to the sync ``list``: the cached viewset must still cache.
drf_router = DRFSimpleRouter()
drf_router.register("drf-posts", views.PostViewSet, basename="drf-post")

urlpatterns = [
    path("", include(router.urls)),
    path("", include(drf_router.urls)),
    path("generic/posts/", views.PostListCreate.as_view()),
    path("generic/posts/<int:pk>/", views.PostDetail.as_view()),
    path("generic/uncached-posts/", views.UncachedPostListCreate.as_view()),
    path("plain/", views.CachedCountingAPIView.as_view()),
    path("plain-uncached/", views.CountingAPIView.as_view()),
    path("my-titles/", views.CachedMyPostTitles.as_view()),
    path("tag-count/", views.CachedTagCount.as_view()),
    path("tag-count-untraced/", views.UntracedTagCount.as_view()),
]
