from django.apps import AppConfig


class AdrfCachingConfig(AppConfig):
    name = "adrf_caching"
    verbose_name = "adrf-caching"

    def ready(self) -> None:
        from adrf_caching import invalidation  # noqa: F401  (connects the signal receivers)
