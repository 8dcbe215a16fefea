from collections.abc import Callable, Collection
from typing import Any

def getmembers(
    object: object, predicate: Callable[[Any], bool] | None, exclude_names: Collection[str] = []
) -> list[tuple[str, Any]]: ...
