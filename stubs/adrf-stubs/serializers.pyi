from collections.abc import Awaitable, Iterable
from typing import Any, TypeVar

from django.db.models import Manager, Model
from rest_framework.fields import Field as DRFField
from rest_framework.serializers import BaseSerializer as DRFBaseSerializer
from rest_framework.serializers import ListSerializer as DRFListSerializer
from rest_framework.serializers import ModelSerializer as DRFModelSerializer
from rest_framework.serializers import Serializer as DRFSerializer
from rest_framework.utils.serializer_helpers import ReturnDict, ReturnList
from typing_extensions import override

from adrf.fields import BigIntegerField as BigIntegerField
from adrf.fields import BooleanField as BooleanField
from adrf.fields import CharField as CharField
from adrf.fields import ChoiceField as ChoiceField
from adrf.fields import DateField as DateField
from adrf.fields import DateTimeField as DateTimeField
from adrf.fields import DecimalField as DecimalField
from adrf.fields import DictField as DictField
from adrf.fields import DurationField as DurationField
from adrf.fields import EmailField as EmailField
from adrf.fields import Field as Field
from adrf.fields import FileField as FileField
from adrf.fields import FilePathField as FilePathField
from adrf.fields import FloatField as FloatField
from adrf.fields import HiddenField as HiddenField
from adrf.fields import HStoreField as HStoreField
from adrf.fields import ImageField as ImageField
from adrf.fields import IntegerField as IntegerField
from adrf.fields import IPAddressField as IPAddressField
from adrf.fields import JSONField as JSONField
from adrf.fields import ListField as ListField
from adrf.fields import ModelField as ModelField
from adrf.fields import MultipleChoiceField as MultipleChoiceField
from adrf.fields import ReadOnlyField as ReadOnlyField
from adrf.fields import RegexField as RegexField
from adrf.fields import SerializerMethodField as SerializerMethodField
from adrf.fields import SlugField as SlugField
from adrf.fields import TimeField as TimeField
from adrf.fields import URLField as URLField
from adrf.fields import UUIDField as UUIDField

_MT = TypeVar("_MT", bound=Model)  # Model Type
_IN = TypeVar("_IN")  # Instance Type

class BaseSerializer(DRFBaseSerializer[_IN]):
    # Returns `Meta.list_serializer_class` (default: adrf's `ListSerializer`).
    @classmethod
    @override
    def many_init(cls, *args: Any, **kwargs: Any) -> DRFBaseSerializer[Any]: ...
    # An `async_property.async_property` at runtime: must be awaited (`await serializer.adata`).
    @property
    def adata(self) -> Awaitable[Any]: ...
    async def ato_representation(self, instance: _IN) -> Any: ...
    async def aupdate(self, instance: _IN, validated_data: Any) -> _IN: ...
    async def acreate(self, validated_data: Any) -> _IN: ...
    async def asave(self, **kwargs: Any) -> _IN: ...
    # Used when this serializer is nested as a field: `instance` is the parent object.
    async def aget_attribute(self, instance: Any) -> Any: ...

class Serializer(BaseSerializer[_IN], DRFSerializer[_IN]):
    @property
    @override
    def adata(self) -> Awaitable[ReturnDict[str, Any]]: ...
    @override
    async def ato_representation(self, instance: _IN) -> dict[str, Any]: ...

class ListSerializer(BaseSerializer[_IN], DRFListSerializer[_IN]):
    @override
    async def ato_representation(self, data: Manager[Any] | Iterable[Any]) -> list[Any]: ...  # type: ignore[override]
    @override
    async def asave(self, **kwargs: Any) -> _IN: ...
    @override
    async def aupdate(self, instance: _IN, validated_data: Any) -> _IN: ...
    @property
    @override
    def adata(self) -> Awaitable[ReturnList[Any]]: ...
    @override
    async def acreate(self, validated_data: Any) -> _IN: ...

class ModelSerializer(Serializer[_MT], DRFModelSerializer[_MT]):
    @override
    async def acreate(self, validated_data: Any) -> _MT: ...
    @override
    async def aupdate(self, instance: _MT, validated_data: Any) -> _MT: ...
    # adrf always builds a `ReadOnlyField` for model properties (they may be async).
    @override
    def build_property_field(self, field_name: str, model_class: type[_MT]) -> tuple[type[DRFField[Any, Any, Any, Any]], dict[str, Any]]: ...
