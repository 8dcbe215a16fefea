"""The response bytes served by rows 1 and 2 (written by the seeder; identical to row 3's output)."""

from __future__ import annotations

import json
from pathlib import Path

from django.conf import settings

PAYLOAD_FILE: Path = settings.DATA_DIR / "payloads.json"
REDIS_PREFIX = "bench:payload:"


def list_key(page: int) -> str:
    return f"list:{page}"


def detail_key(pk: int) -> str:
    return f"detail:{pk}"


def load() -> dict[str, bytes]:
    raw: dict[str, str] = json.loads(PAYLOAD_FILE.read_text())
    return {key: value.encode() for key, value in raw.items()}
