from collections.abc import Awaitable, Callable
from typing import Any, Protocol, TypeAlias, TypeVar, type_check_only

from rest_framework import permissions
from rest_framework.permissions import _PermissionClass, _SupportsHasPermission
from rest_framework.request import Request
from rest_framework.views import APIView
from typing_extensions import TypeIs, override

_T = TypeVar("_T")

@type_check_only
class _SupportsAsyncHasPermission(Protocol):
    async def has_permission(self, request: Request, view: APIView) -> bool: ...
    async def has_object_permission(self, request: Request, view: APIView, obj: Any) -> bool: ...

# adrf's operators and permission checks accept sync (DRF) and async permission instances.
_AnyPermission: TypeAlias = _SupportsHasPermission | _SupportsAsyncHasPermission

_AsyncHasPermission = Callable[[Request, APIView], Awaitable[bool]]
_AsyncHasObjectPermission = Callable[[Request, APIView, Any], Awaitable[bool]]

# Converts DRF's sync AND/OR/NOT operators (recursively) to their async equivalents;
# anything that is not an operator is returned unchanged.
def try_convert_operator(operator_instance: _T) -> _T | AAND | AOR | ANOT: ...
def is_perm_operator(operator_instance: object) -> TypeIs[permissions.AND | permissions.OR | permissions.NOT]: ...
def is_async_perm_operator(operator_instance: object) -> TypeIs[AAND | AOR | ANOT]: ...

class AsyncOperandHolderMixin:
    def __and__(self, other: _PermissionClass) -> AsyncOperandHolder: ...
    def __or__(self, other: _PermissionClass) -> AsyncOperandHolder: ...
    def __rand__(self, other: _PermissionClass) -> AsyncOperandHolder: ...
    def __ror__(self, other: _PermissionClass) -> AsyncOperandHolder: ...
    def __invert__(self) -> AsyncSingleOperandHolder: ...

class AsyncLogicOperatorMixin:
    op1: _AnyPermission
    op2: _AnyPermission
    def get_async_has_perm(self) -> tuple[_AsyncHasPermission, _AsyncHasPermission]: ...
    def get_async_has_obj_perm(self) -> tuple[_AsyncHasObjectPermission, _AsyncHasObjectPermission]: ...

class AsyncSingleLogicOperatorMixin:
    op1: _AnyPermission
    def get_async_has_perm(self) -> _AsyncHasPermission: ...
    def get_async_has_obj_perm(self) -> _AsyncHasObjectPermission: ...

class AsyncSingleOperandHolder(AsyncOperandHolderMixin, permissions.SingleOperandHolder): ...
class AsyncOperandHolder(AsyncOperandHolderMixin, permissions.OperandHolder): ...

class AAND(AsyncLogicOperatorMixin, permissions.AND):
    def __init__(self, op1: _AnyPermission, op2: _AnyPermission) -> None: ...
    @override
    async def has_permission(self, request: Request, view: APIView) -> bool: ...  # type: ignore[override]
    @override
    async def has_object_permission(self, request: Request, view: APIView, obj: Any) -> bool: ...  # type: ignore[override]

class AOR(AsyncLogicOperatorMixin, permissions.OR):
    def __init__(self, op1: _AnyPermission, op2: _AnyPermission) -> None: ...
    @override
    async def has_permission(self, request: Request, view: APIView) -> bool: ...  # type: ignore[override]
    @override
    async def has_object_permission(self, request: Request, view: APIView, obj: Any) -> bool: ...  # type: ignore[override]

class ANOT(AsyncSingleLogicOperatorMixin, permissions.NOT):
    def __init__(self, op1: _AnyPermission) -> None: ...
    @override
    async def has_permission(self, request: Request, view: APIView) -> bool: ...  # type: ignore[override]
    @override
    async def has_object_permission(self, request: Request, view: APIView, obj: Any) -> bool: ...  # type: ignore[override]

# `type` defines `__or__`/`__ror__` (for `X | Y` unions); like DRF's metaclass, this shadows them.
class AsyncBasePermissionMetaClass(AsyncOperandHolderMixin, permissions.BasePermissionMetaclass): ...  # type: ignore[misc]

# Base class for permissions with `async def has_permission` / `has_object_permission`.
# Combining subclasses with `&`, `|` and `~` builds async operators.
class AsyncBasePermission(permissions.BasePermission, metaclass=AsyncBasePermissionMetaClass):
    @override
    async def has_permission(self, request: Request, view: APIView) -> bool: ...  # type: ignore[override]
    @override
    async def has_object_permission(self, request: Request, view: APIView, obj: Any) -> bool: ...  # type: ignore[override]
