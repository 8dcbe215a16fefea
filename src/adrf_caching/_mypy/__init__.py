"""The work behind ``adrf_caching.mypy_plugin`` (imported by mypy only, never at runtime)."""
