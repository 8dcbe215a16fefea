"""The durable record of owed version bumps: bumps that a cache outage kept from being written.

A row is written, in the database the write that needed the bump just committed to, before
the write is acknowledged. Every process reads the table every ``OWED_CHECK_INTERVAL`` (in a
background thread, never on the request path), serves the keys it names uncached, and writes
fresh tokens for them as soon as the cache takes writes, then deletes the rows.
"""

from __future__ import annotations

from typing import ClassVar

from django.db import models

__all__ = ["OwedBump"]


class OwedBump(models.Model):
    id = models.BigAutoField(primary_key=True)
    key = models.TextField()
    created = models.DateTimeField(auto_now_add=True)

    objects: ClassVar[models.Manager[OwedBump]] = models.Manager()

    class Meta:
        app_label = "adrf_caching"
        db_table = "adrf_caching_owedbump"

    def __str__(self) -> str:
        return self.key
