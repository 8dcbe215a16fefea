from importlib import import_module

from django.apps import AppConfig
from django.core import checks
from django.core.exceptions import ImproperlyConfigured

from adrf_caching.observe import watch_the_clock

# Before any models module is imported: ``from django.utils.timezone import now`` there binds the
# watched function (the app registry imports every app config before the first models module).
watch_the_clock()


class AdrfCachingConfig(AppConfig):
    name = "adrf_caching"
    verbose_name = "adrf-caching"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from django.db.models.signals import post_migrate, pre_migrate

        from adrf_caching import invalidation, owed
        from adrf_caching.checks import check_cache_timeouts, check_settings
        from adrf_caching.conf import load

        invalidation.connect()  # every connection of this process: writes bump, misses are traced
        pre_migrate.connect(owed.migration_started, dispatch_uid="adrf_caching.migrating")
        post_migrate.connect(owed.migration_finished, dispatch_uid="adrf_caching.migrated")
        checks.register(check_settings)
        checks.register(check_cache_timeouts, checks.Tags.caches)
        try:
            exporters = load().exporters  # not kept: settings are read on first use, as ever
        except ImproperlyConfigured:
            return  # reported by the system check, with the key to fix
        for name in exporters:
            try:
                exporter = import_module(f"adrf_caching.contrib.{name}")
            except ImportError as exc:
                raise ImproperlyConfigured(
                    f"ADRF_CACHING_SETTINGS['EXPORTERS'] names {name!r}, which needs "
                    f'`pip install "adrf-caching[{name}]"` ({exc}).'
                ) from exc
            exporter.install()
