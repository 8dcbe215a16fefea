"""``Name = cached(View, **options)``: declare ``Name`` as a class for mypy.

Source pattern: django-stubs' ``Manager.from_queryset(QuerySet)`` hook (a dynamic class
hook that builds a ``TypeInfo`` for the class a call returns and binds it to the assigned
name). Here the bases are the cached mixins ``adrf_caching.factory.cache_mixins_for``
would pick for ``View`` (one per async model action it has, else ``CacheMixin``; those it
already has are left out), followed by ``View`` itself, exactly as ``cached()`` builds them.

Only the assignment form is handled: mypy analyses a class's bases before any call, and
offers no hook for a call written in the bases (``class V(cached(View))``), which it reports
as an unsupported dynamic base class (python/mypy#2813).

The options are not looked at here: the call is still type-checked against
``cached(view_class, /, **options: Unpack[CacheOptions])`` like any other.
"""

from __future__ import annotations

from mypy.exprtotype import TypeTranslationError, expr_to_unanalyzed_type
from mypy.mro import MroError, calculate_mro
from mypy.nodes import ARG_POS, GDEF, PlaceholderNode, SymbolTableNode, TypeInfo
from mypy.plugin import DynamicClassDefContext
from mypy.semanal import SemanticAnalyzer
from mypy.types import Instance, get_proper_type

from adrf_caching._mypy import names

__all__ = ["create_cached_class"]


def create_cached_class(ctx: DynamicClassDefContext) -> None:
    """Bind ``ctx.name`` to a new class: the cached mixins for the view, then the view."""
    api = ctx.api
    assert isinstance(api, SemanticAnalyzer)
    if api.is_func_scope() or api.is_class_scope():
        # A class made in a function or class body would need mypy's local-class naming
        # rules; module level is what ``cached()`` is for.
        api.fail('adrf_caching: "cached()" makes a class mypy knows only at module level', ctx.call)
        return
    existing = api.lookup_current_scope(ctx.name)
    if existing is not None and isinstance(existing.node, TypeInfo):
        return  # a later pass over the module: already done
    if not ctx.call.args or ctx.call.arg_kinds[0] != ARG_POS:
        return  # the call's own type check reports it
    view = _view_type(api, ctx)
    mixins = _mixin_types(api)
    if view is None or mixins is None:
        if not api.final_iteration:
            # Until the types are ready, a placeholder that becomes a class keeps
            # ``class V(Name)`` deferred instead of rejected (see python/mypy#17402).
            if existing is None or not isinstance(existing.node, PlaceholderNode):
                placeholder = PlaceholderNode(
                    api.qualified_name(ctx.name), ctx.call, ctx.call.line, becomes_typeinfo=True
                )
                api.add_symbol_table_node(ctx.name, SymbolTableNode(GDEF, placeholder))
            api.defer()
        return
    info = api.basic_new_typeinfo(ctx.name, view, ctx.call.line)
    info.bases = [*_mixins_for(view.type, mixins), view]
    info.mro = []  # basic_new_typeinfo() filled it in from the one base it was given
    try:
        calculate_mro(info)
    except MroError:
        api.fail(f'adrf_caching: cannot combine the cached mixins with "{view.type.name}"', ctx.call)
        return
    info.metadata["adrf_caching"] = {"cached": view.type.fullname}
    api.add_symbol_table_node(ctx.name, SymbolTableNode(GDEF, info))


def _view_type(api: SemanticAnalyzer, ctx: DynamicClassDefContext) -> Instance | None:
    """The class ``cached()`` was given, as a type (``ModelViewSet[Post]`` keeps its model)."""
    try:
        unanalyzed = expr_to_unanalyzed_type(ctx.call.args[0], api.options)
    except TypeTranslationError:
        api.fail('adrf_caching: the first argument of "cached()" must name a view class', ctx.call)
        return None
    analyzed = api.anal_type(unanalyzed)
    if analyzed is None:
        return None  # not ready: defer
    view = get_proper_type(analyzed)
    if not isinstance(view, Instance):
        api.fail('adrf_caching: the first argument of "cached()" must name a view class', ctx.call)
        return None
    return view


def _mixin_types(api: SemanticAnalyzer) -> dict[str, Instance] | None:
    found: dict[str, Instance] = {}
    for fullname in (names.CACHE_MIXIN, *(mixin for _, mixin in names.ACTION_MIXINS)):
        symbol = api.lookup_fully_qualified_or_none(fullname)
        if symbol is None or not isinstance(symbol.node, TypeInfo):
            return None
        found[fullname] = Instance(symbol.node, [])
    return found


def _mixins_for(view: TypeInfo, mixins: dict[str, Instance]) -> list[Instance]:
    """``cache_mixins_for(view)`` minus the mixins ``view`` already has (``factory.cached``)."""
    chosen = [mixins[mixin] for action, mixin in names.ACTION_MIXINS if view.get(action) is not None]
    if not chosen:
        chosen = [mixins[names.CACHE_MIXIN]]
    return [mixin for mixin in chosen if not view.has_base(mixin.type.fullname)]
