from __future__ import annotations

from adrf.routers import DefaultRouter
from django.urls import include, path
from rest_framework.routers import SimpleRouter as DRFSimpleRouter

from adrf_caching import cached
from tests.testapp import observed_views, views

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
router.register("hand-written", views.CachedHandWrittenPosts, basename="hand-written")
router.register("uncached-staff-posts", views.UncachedStaffPostViewSet, basename="uncached-staff-post")
router.register("editor-posts", views.EditorPostViewSet, basename="editor-post")
router.register("uncached-editor-posts", views.UncachedEditorPostViewSet, basename="uncached-editor-post")

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
    path("plain-cc/", views.CachedOwnCacheControl.as_view()),
    path("my-titles/", views.CachedMyPostTitles.as_view()),
    path("tag-count/", views.CachedTagCount.as_view()),
    path("tag-count-untraced/", views.UntracedTagCount.as_view()),
    path("add-message/", observed_views.add_message),
]

# Issue 9: every observed view cached under /c/<name>/ and uncached under /u/<name>/.
observed_router = DefaultRouter(trailing_slash=True)
for _name, (_cached_view, _plain_view) in observed_views.TWINS.items():
    for _prefix, _view in (("c", _cached_view), ("u", _plain_view)):
        if hasattr(_view, "get_extra_actions"):
            observed_router.register(f"{_prefix}/{_name}", _view, basename=f"{_prefix}-{_name}")
        else:
            urlpatterns.append(path(f"{_prefix}/{_name}/", _view.as_view()))
urlpatterns.append(path("", include(observed_router.urls)))

# One router included under two prefixes (and its uncached twin likewise).
mounted_router = DefaultRouter()
mounted_router.register("items", observed_views.CachedMounted, basename="mounted-item")
plain_mounted_router = DefaultRouter()
plain_mounted_router.register("items", observed_views.PlainMounted, basename="plain-mounted-item")
urlpatterns += [
    path("mount-a/", include(mounted_router.urls)),
    path("mount-b/", include(mounted_router.urls)),
    path("plain-a/", include(plain_mounted_router.urls)),
    path("plain-b/", include(plain_mounted_router.urls)),
]

from tests.testapp import speed_views  # noqa: E402

speed_router = DefaultRouter()
speed_router.register("loop-posts", speed_views.LoopPostViewSet, basename="loop-post")
speed_router.register("loop-auth-posts", speed_views.LoopNoteLikeViewSet, basename="loop-auth-post")
speed_router.register("async-auth-posts", speed_views.AsyncAuthPostViewSet, basename="async-auth-post")
speed_router.register("wrongly-trusted-posts", speed_views.WronglyTrustedPostViewSet, basename="wrong-post")
speed_router.register("throttled-posts", speed_views.ThrottledPostViewSet, basename="throttled-post")
speed_router.register("model-perm-posts", speed_views.ModelPermissionPostViewSet, basename="model-perm-post")
speed_router.register("async-method-posts", speed_views.AsyncMethodPostViewSet, basename="async-method-post")
speed_router.register("own-dispatch-posts", speed_views.OwnDispatchPostViewSet, basename="own-dispatch-post")
speed_router.register("zoo-posts", speed_views.FieldZooPostViewSet, basename="zoo-post")
urlpatterns.append(path("speed/", include(speed_router.urls)))

# Red team (tests/test_realistic.py): realistic views cached under /c/<name>/ and plain under /u/<name>/.
from django.urls import re_path  # noqa: E402

from tests.testapp import realistic_views  # noqa: E402

realistic_router = DefaultRouter(trailing_slash=True)
for _name, (_cached_view, _plain_view) in realistic_views.REALISTIC_TWINS.items():
    for _prefix, _view in (("c", _cached_view), ("u", _plain_view)):
        if hasattr(_view, "get_extra_actions"):
            realistic_router.register(f"{_prefix}/{_name}", _view, basename=f"{_prefix}-{_name}")
        else:
            _suffix = realistic_views.REALISTIC_ROUTES.get(_name, "")
            urlpatterns.append(path(f"{_prefix}/{_name}/{_suffix}", _view.as_view()))
urlpatterns.append(path("", include(realistic_router.urls)))
for _prefix, _view in zip(("c", "u"), realistic_views.CATCH_ALL, strict=True):
    urlpatterns.append(re_path(rf"^{_prefix}/rt-catch-all/.*$", _view.as_view()))

# Red team round 2 (tests/test_realistic2.py): cached under /c/<name>/, plain under /u/<name>/.
from tests.testapp import realistic2_views  # noqa: E402

realistic2_router = DefaultRouter(trailing_slash=True)
for _name, (_cached_view, _plain_view) in realistic2_views.REALISTIC2_TWINS.items():
    for _prefix, _view in (("c", _cached_view), ("u", _plain_view)):
        if hasattr(_view, "get_extra_actions"):
            realistic2_router.register(f"{_prefix}/{_name}", _view, basename=f"{_prefix}-{_name}")
        else:
            _suffix = realistic2_views.REALISTIC2_ROUTES.get(_name, "")
            urlpatterns.append(path(f"{_prefix}/{_name}/{_suffix}", _view.as_view()))
urlpatterns.append(path("", include(realistic2_router.urls)))

# Red team round 3 (tests/test_realistic3.py): cached under /c/<name>/, plain under /u/<name>/.
from tests.testapp import realistic3_views  # noqa: E402

realistic3_router = DefaultRouter(trailing_slash=True)
for _name, (_cached_view, _plain_view) in realistic3_views.REALISTIC3_TWINS.items():
    for _prefix, _view in (("c", _cached_view), ("u", _plain_view)):
        if hasattr(_view, "get_extra_actions"):
            realistic3_router.register(f"{_prefix}/{_name}", _view, basename=f"{_prefix}-{_name}")
        else:
            _suffix = realistic3_views.REALISTIC3_ROUTES.get(_name, "")
            urlpatterns.append(path(f"{_prefix}/{_name}/{_suffix}", _view.as_view()))
urlpatterns.append(path("", include(realistic3_router.urls)))
for _route, _plain in realistic3_views.REALISTIC3_PLAIN.items():
    urlpatterns.append(path(_route, _plain))

# Red team round 4 (tests/test_realistic4.py): cached under /c/<name>/, plain under /u/<name>/.
from tests.testapp import realistic4_views  # noqa: E402

for _name, (_cached_view, _plain_view) in realistic4_views.REALISTIC4_TWINS.items():
    for _prefix, _view in (("c", _cached_view), ("u", _plain_view)):
        _suffix = realistic4_views.REALISTIC4_ROUTES.get(_name, "")
        urlpatterns.append(path(f"{_prefix}/{_name}/{_suffix}", _view.as_view()))

# Red team round 5 (tests/test_realistic5.py): cached under /c/<name>/, plain under /u/<name>/.
from rest_framework.urlpatterns import format_suffix_patterns  # noqa: E402

from tests.testapp import realistic5_views  # noqa: E402

for _name, (_cached_view, _plain_view) in realistic5_views.REALISTIC5_TWINS.items():
    for _prefix, _view in (("c", _cached_view), ("u", _plain_view)):
        urlpatterns.append(path(f"{_prefix}/{_name}/", _view.as_view()))
realistic5_router = DefaultRouter(trailing_slash=True)
for _name, (_cached_view, _plain_view) in realistic5_views.REALISTIC5_VIEWSETS.items():
    for _prefix, _view in (("c", _cached_view), ("u", _plain_view)):
        realistic5_router.register(f"{_prefix}/{_name}", _view, basename=f"{_prefix}-{_name}")
urlpatterns.append(path("", include(realistic5_router.urls)))
for _name, (_cached_view, _plain_view) in realistic5_views.REALISTIC5_SUFFIX.items():
    _pair = (("c", _cached_view), ("u", _plain_view))
    _suffixed = [path(f"{_prefix}/{_name}/items", _view.as_view()) for _prefix, _view in _pair]
    urlpatterns += format_suffix_patterns(_suffixed, allowed=["json", "txt", "api"])

# Red team round 6 (tests/test_realistic6.py): cached under /c/<name>/, plain under /u/<name>/.
from tests.testapp import realistic6_views  # noqa: E402

for _name, (_cached_view, _plain_view) in realistic6_views.REALISTIC6_TWINS.items():
    for _prefix, _view in (("c", _cached_view), ("u", _plain_view)):
        urlpatterns.append(path(f"{_prefix}/{_name}/", _view.as_view()))
for _route, _plain in realistic6_views.REALISTIC6_PLAIN.items():
    urlpatterns.append(path(_route, _plain))

# Red team round 7 (tests/test_realistic7.py): cached under /c/<name>/, plain under /u/<name>/.
from tests.testapp import realistic7_views  # noqa: E402

realistic7_router = DefaultRouter(trailing_slash=True)
for _name, (_cached_view, _plain_view) in realistic7_views.REALISTIC7_VIEWSETS.items():
    for _prefix, _view in (("c", _cached_view), ("u", _plain_view)):
        realistic7_router.register(f"{_prefix}/{_name}", _view, basename=f"{_prefix}-{_name}")
urlpatterns.append(path("", include(realistic7_router.urls)))
for _route, (_cached_view, _plain_view) in realistic7_views.REALISTIC7_ROUTES.items():
    for _prefix, _view in (("c", _cached_view), ("u", _plain_view)):
        urlpatterns.append(path(f"{_prefix}/{_route}", _view))
