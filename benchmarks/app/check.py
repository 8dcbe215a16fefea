"""Can this contender be served here?  ``BENCH_CONTENDER=<name> python -m benchmarks.app.check``.

Exit 0: ready.  Exit 3: a dependency is not importable (the orchestrator skips the row and prints
the message).  Any other failure is a real error.
"""

from __future__ import annotations

import os
import sys

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "benchmarks.app.settings")

MISSING_DEPENDENCY = 3


def main() -> int:
    import django
    from django.core.cache import InvalidCacheBackendError

    try:
        django.setup()
        from django.conf import settings
        from django.core.cache import caches

        import benchmarks.app.urls  # noqa: F401  (imports the contender's views)

        for alias in settings.CACHES:
            caches[alias]
    except (ImportError, InvalidCacheBackendError) as exc:
        print(f"{type(exc).__name__}: {exc}")
        return MISSING_DEPENDENCY
    print("ok")
    return 0


if __name__ == "__main__":
    sys.exit(main())
