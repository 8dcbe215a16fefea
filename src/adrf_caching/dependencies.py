"""Which models a cached view's answers are built from.

The queryset's model, the serializer's model, and every model a nested serializer or a
related field reads. A write to any of them must invalidate the view's entries.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.db import models
from rest_framework import relations, serializers

from adrf_caching.versions import model_labels

__all__ = ["models_of_serializer", "view_model_labels"]


def models_of_serializer(serializer_class: Any, _seen: set[int] | None = None) -> set[type[models.Model]]:
    """Models a serializer class reads, found by walking its declared and generated fields."""
    seen = _seen if _seen is not None else set()
    if not isinstance(serializer_class, type) or id(serializer_class) in seen:
        return set()
    seen.add(id(serializer_class))
    found: set[type[models.Model]] = set()
    meta_model = getattr(getattr(serializer_class, "Meta", None), "model", None)
    if isinstance(meta_model, type) and issubclass(meta_model, models.Model):
        found.add(meta_model)
    try:
        fields = serializer_class().fields.values()
    except Exception:
        # A serializer that needs context to build its fields: its Meta.model is all we can know.
        return found
    for field in fields:
        found |= _models_of_field(field, seen)
    return found


def _models_of_field(field: Any, seen: set[int]) -> set[type[models.Model]]:
    if isinstance(field, serializers.ListSerializer):
        return models_of_serializer(type(field.child), seen)
    if isinstance(field, serializers.BaseSerializer):
        return models_of_serializer(type(field), seen)
    if isinstance(field, relations.ManyRelatedField):
        return _models_of_field(field.child_relation, seen)
    if isinstance(field, relations.RelatedField):
        queryset = getattr(field, "queryset", None)
        model = getattr(queryset, "model", None)
        if model is not None:
            return {model}
        source_model = _source_model(field)
        return {source_model} if source_model is not None else set()
    return set()


def _source_model(field: Any) -> type[models.Model] | None:
    """The related model of a read-only related field, from the parent serializer's model."""
    parent_model = getattr(getattr(field.parent, "Meta", None), "model", None)
    if parent_model is None or not field.source or "." in field.source:
        return None
    try:
        related = parent_model._meta.get_field(field.source).related_model
    except Exception:
        return None
    return related if isinstance(related, type) else None


def view_model_labels(view_class: Any, extra: Iterable[type[models.Model]] = ()) -> frozenset[str]:
    """Labels of every model the view depends on: queryset, serializer (deeply), ``depends_on``."""
    found: set[type[models.Model]] = set(extra)
    queryset = getattr(view_class, "queryset", None)
    if queryset is not None and getattr(queryset, "model", None) is not None:
        found.add(queryset.model)
        found |= _prefetched_models(queryset)
    found |= models_of_serializer(getattr(view_class, "serializer_class", None))
    labels: set[str] = set()
    for model in found:
        labels |= model_labels(model)
    return frozenset(labels)


def _prefetched_models(queryset: Any) -> set[type[models.Model]]:
    """Models reached through ``select_related``/``prefetch_related`` lookups."""
    found: set[type[models.Model]] = set()
    lookups: list[str] = [str(getattr(p, "prefetch_through", p)) for p in getattr(queryset, "_prefetch_related_lookups", ())]
    select = getattr(queryset.query, "select_related", False)
    if isinstance(select, dict):
        lookups += list(_flatten(select))
    for lookup in lookups:
        model = queryset.model
        for name in lookup.split("__"):
            try:
                model = model._meta.get_field(name).related_model
            except Exception:
                break
            if model is None:
                break
            found.add(model)
    return found


def _flatten(tree: dict[str, Any], prefix: str = "") -> Iterable[str]:
    for name, sub in tree.items():
        path = f"{prefix}{name}"
        yield path
        if isinstance(sub, dict):
            yield from _flatten(sub, path + "__")
