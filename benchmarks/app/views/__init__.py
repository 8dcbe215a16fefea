"""One module per contender, each exporting ``urlpatterns`` with ``/posts/`` and ``/posts/<pk>/``."""
