"""Misses serialized in one thread hop instead of two per field per object.

adrf's ``Serializer.adata`` awaits ``sync_to_async`` for the attribute and again for the
representation of every field of every object (about 700 hops for a 50-row page). DRF's sync
``.data`` gives the same output in one hop whenever the serializer tree has no async-only part:
an async method field, an overridden ``ato_representation`` / ``aget_attribute``, a field whose
representation adrf would not take from ``to_representation``, or a nested serializer whose source
is an ``async def`` of the model. Such trees keep adrf's ``adata``. A list whose filter backends
and paginator are sync (adrf hops for each of them too) is filtered, paginated and serialized in
that same single hop. The setting
``ONE_HOP_SERIALIZATION: False`` turns this off. The one hop is a plain ``sync_to_async`` call, so
context variables (SQL tracing) reach the queries it runs.
"""

from __future__ import annotations

from collections.abc import Callable
from inspect import iscoroutinefunction
from typing import Any

from adrf import fields as adrf_fields
from adrf import generics as adrf_generics
from adrf import mixins as adrf_mixins
from adrf import serializers as adrf_serializers
from asgiref.sync import sync_to_async
from django.core.exceptions import FieldDoesNotExist
from django.db import models
from rest_framework import serializers as drf_serializers
from rest_framework import status
from rest_framework.response import Response

from adrf_caching import observe
from adrf_caching.conf import caching_settings

__all__ = ["alist", "aretrieve", "serializer_data", "sync_equivalent"]

Handler = Callable[..., Any]

# What adrf and DRF run for a serializer that overrides none of it.
_STOCK_SERIALIZER = {
    "to_representation": drf_serializers.Serializer.to_representation,
    "ato_representation": adrf_serializers.Serializer.ato_representation,
    "aget_attribute": adrf_serializers.BaseSerializer.aget_attribute,
}
_STOCK_LIST = {
    "to_representation": drf_serializers.ListSerializer.to_representation,
    "ato_representation": adrf_serializers.ListSerializer.ato_representation,
    "aget_attribute": adrf_serializers.BaseSerializer.aget_attribute,
}
_STOCK_DATA = {
    "data": drf_serializers.Serializer.data,
    "adata": adrf_serializers.Serializer.adata,
}
_STOCK_LIST_DATA = {
    "data": drf_serializers.ListSerializer.data,
    "adata": adrf_serializers.ListSerializer.adata,
}

_STOCK_LIST_VIEW = {
    "afilter_queryset": adrf_generics.GenericAPIView.afilter_queryset,
    "apaginate_queryset": adrf_generics.GenericAPIView.apaginate_queryset,
    "get_apaginated_response": adrf_generics.GenericAPIView.get_apaginated_response,
}

_class_verdicts: dict[type, bool] = {}


def _is_stock(cls: type, stock: dict[str, Any]) -> bool:
    return all(getattr(cls, name, None) is function for name, function in stock.items())


def _field_class_ok(cls: type) -> bool:
    """A field adrf represents exactly as DRF's ``to_representation`` does."""
    verdict = _class_verdicts.get(cls)
    if verdict is None:
        ato = getattr(cls, "ato_representation", None)
        if iscoroutinefunction(getattr(cls, "aget_attribute", None)):
            verdict = False
        elif ato is None:
            verdict = True  # a DRF field: adrf calls its sync methods too
        elif ato is adrf_fields.AsyncFieldMixin.ato_representation:
            # The mixin calls the ``to_representation`` found after it in the MRO: an override placed
            # before it is skipped by adrf, so the sync path would differ.
            mro = cls.__mro__
            after = mro[mro.index(adrf_fields.AsyncFieldMixin) + 1 :]
            defining = next((c for c in mro if "to_representation" in vars(c)), None)
            verdict = defining in after
        else:
            verdict = False  # adrf's async SerializerMethodField, or a custom async field
        _class_verdicts[cls] = verdict
    return verdict


def _source_is_async(model: Any, source_attrs: list[str]) -> bool:
    """Whether adrf would await a step of this source (an ``async def`` attribute of the model)."""
    for attr in source_attrs:
        if not (isinstance(model, type) and issubclass(model, models.Model)):
            return False
        if iscoroutinefunction(getattr(model, attr, None)):
            return True
        try:
            model = model._meta.get_field(attr).related_model
        except FieldDoesNotExist:
            return False
    return False


def _serializer_ok(serializer: Any, parent_model: Any) -> bool:
    if not isinstance(serializer, adrf_serializers.BaseSerializer):
        return True  # a DRF serializer: adrf already runs it with sync calls
    if parent_model is not None and _source_is_async(parent_model, list(getattr(serializer, "source_attrs", []))):
        return False
    if isinstance(serializer, drf_serializers.ListSerializer):
        return _is_stock(type(serializer), _STOCK_LIST) and _serializer_ok(serializer.child, None)
    if not isinstance(serializer, drf_serializers.Serializer) or not _is_stock(type(serializer), _STOCK_SERIALIZER):
        return False
    model = getattr(getattr(serializer, "Meta", None), "model", None)
    for field in serializer._readable_fields:
        if isinstance(field, drf_serializers.BaseSerializer):
            if not _serializer_ok(field, model):
                return False
        elif not _field_class_ok(type(field)):
            return False
    return True


def sync_equivalent(serializer: Any) -> bool:
    """Whether DRF's sync ``.data`` of ``serializer`` equals adrf's ``adata``, byte for byte."""
    if not isinstance(serializer, adrf_serializers.BaseSerializer):
        return True
    top = _STOCK_LIST_DATA if isinstance(serializer, drf_serializers.ListSerializer) else _STOCK_DATA
    return _is_stock(type(serializer), top) and _serializer_ok(serializer, None)


_ADRF = object()


def _as_adrf_reads(serializer: Any) -> None:
    """adrf reads the source of each nested adrf serializer on the event loop (``aget_attribute``: a
    look-up of every step, then ``get_attribute``), where a query raises ``SynchronousOnlyOperation``
    (a foreign key not loaded by ``select_related``). The hop does those reads as if there, so a tree
    that fails under adrf fails alike, whether or not the cache answers."""
    if isinstance(serializer, drf_serializers.ListSerializer):
        serializer = serializer.child
    if not isinstance(serializer, drf_serializers.Serializer):
        return
    for field in serializer._readable_fields:
        if isinstance(field, adrf_serializers.BaseSerializer):  # DRF serializers run in a hop under adrf
            field.__dict__["get_attribute"] = _read_on_the_loop(field.get_attribute, list(field.source_attrs))
            _as_adrf_reads(field)


def _read_on_the_loop(get_attribute: Callable[[Any], Any], source_attrs: list[str]) -> Callable[[Any], Any]:
    def read(instance: Any) -> Any:
        with observe.as_on_the_loop():
            for attr in source_attrs:
                getattr(instance, attr, None)  # adrf looks each step up on the instance first
            return get_attribute(instance)

    return read


def _sync_data(serializer: Any) -> Any:
    # The tree is walked here, in the hop: building fields may run user code.
    if not sync_equivalent(serializer):
        return _ADRF
    _as_adrf_reads(serializer)
    return serializer.data


async def serializer_data(serializer: Any) -> Any:
    """``serializer``'s data: one ``sync_to_async`` call when that is equivalent, else adrf's way."""
    if not caching_settings().one_hop_serialization or not hasattr(serializer, "adata"):
        return await adrf_mixins.get_data(serializer)
    data = await sync_to_async(_sync_data)(serializer)
    if data is _ADRF:
        return await serializer.adata
    return data


# adrf's ``alist`` / ``aretrieve``, step for step but for the thread hops.


def _stock_list_steps(view: Any) -> bool:
    """Filtering and pagination are adrf's own and sync underneath: they can share the one hop."""
    cls = type(view)
    if not all(getattr(cls, name, None) is function for name, function in _STOCK_LIST_VIEW.items()):
        return False
    if any(iscoroutinefunction(backend.filter_queryset) for backend in view.filter_backends):
        return False
    paginator = view.paginator
    return paginator is None or not (
        iscoroutinefunction(paginator.paginate_queryset) or iscoroutinefunction(paginator.get_paginated_response)
    )


def _list_in_one_hop(view: Any, queryset: Any) -> Any:
    """Filter, paginate, serialize and build the paginated response, as adrf would, in this thread."""
    request = view.request
    for backend in list(view.filter_backends):
        queryset = backend().filter_queryset(request, queryset, view)
    paginator = view.paginator
    page = None if paginator is None else paginator.paginate_queryset(queryset, request, view=view)
    serializer = view.get_serializer(page if page is not None else queryset, many=True)
    if not sync_equivalent(serializer):
        return _ADRF, page, serializer
    _as_adrf_reads(serializer)
    if page is not None:
        return paginator.get_paginated_response(serializer.data)
    return Response(serializer.data, status=status.HTTP_200_OK)


async def _alist(view: Any, *args: Any, **kwargs: Any) -> Response:
    queryset = view.get_queryset()
    if caching_settings().one_hop_serialization and _stock_list_steps(view):
        result = await sync_to_async(_list_in_one_hop)(view, queryset)
        if not isinstance(result, tuple):
            return result  # type: ignore[no-any-return]
        _, page, serializer = result  # an async-only serializer: adrf's adata, as adrf would
        data = await serializer.adata
        if page is not None:
            return await view.get_apaginated_response(data)  # type: ignore[no-any-return]
        return Response(data, status=status.HTTP_200_OK)
    queryset = await view.afilter_queryset(queryset)
    page = await view.apaginate_queryset(queryset)
    if page is not None:
        serializer = view.get_serializer(page, many=True)
        data = await serializer_data(serializer)
        return await view.get_apaginated_response(data)  # type: ignore[no-any-return]
    serializer = view.get_serializer(queryset, many=True)
    data = await serializer_data(serializer)
    return Response(data, status=status.HTTP_200_OK)


async def _aretrieve(view: Any, request: Any, *args: Any, **kwargs: Any) -> Response:
    instance = await view.aget_object()
    serializer = view.get_serializer(instance, many=False)
    data = await serializer_data(serializer)
    return Response(data, status=status.HTTP_200_OK)


def alist(view: Any, inherited: Handler) -> Handler:
    """The uncached list to run on a miss: ours if ``inherited`` is adrf's own, else ``inherited``."""
    if getattr(inherited, "__func__", None) is adrf_mixins.ListModelMixin.alist:
        return lambda *args, **kwargs: _alist(view, *args, **kwargs)
    return inherited


def aretrieve(view: Any, inherited: Handler) -> Handler:
    """The uncached retrieve to run on a miss: ours if ``inherited`` is adrf's own, else ``inherited``."""
    if getattr(inherited, "__func__", None) is adrf_mixins.RetrieveModelMixin.aretrieve:
        return lambda *args, **kwargs: _aretrieve(view, *args, **kwargs)
    return inherited
