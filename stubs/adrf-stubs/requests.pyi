from django.contrib.auth.models import AnonymousUser, _User
from rest_framework.request import Request
from typing_extensions import override

class AsyncRequest(Request):
    # Same as DRF's `Request.user`, except that async authenticators
    # (`async def authenticate`) are run via `async_to_sync`.
    @property
    @override
    def user(self) -> _User | AnonymousUser: ...
    @user.setter
    def user(self, value: _User | AnonymousUser) -> None: ...
