from collections.abc import Mapping
from typing import ClassVar

from rest_framework.routers import DefaultRouter as DRFDefaultRouter
from rest_framework.routers import SimpleRouter as DRFSimpleRouter
from rest_framework.viewsets import ViewSetMixin
from typing_extensions import override

class SimpleRouter(DRFSimpleRouter):
    # Maps DRF action names to the adrf ("a"-prefixed) actions used for async viewsets.
    sync_to_async_action_map: ClassVar[dict[str, str]]
    @override
    def get_method_map(self, viewset: type[ViewSetMixin], method_map: Mapping[str, str]) -> dict[str, str]: ...

class DefaultRouter(SimpleRouter, DRFDefaultRouter): ...
