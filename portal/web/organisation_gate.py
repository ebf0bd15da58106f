"""What an employer's and a training provider's pages share: the organisation the account
speaks for, as registered, and the gate that keeps every page but the landing page closed
until the bureau has approved it (nothing changes before then)."""

from __future__ import annotations

from collections.abc import Callable

from flask import flash, redirect, request, url_for
from werkzeug.wrappers.response import Response as BaseResponse

from portal.web.session import actor, registry
from registry import RegistryError
from registry.portal import Approval, PortalRole
from registry.portal.values import Organisation


def own_organisation() -> Organisation | None:
    """The account's employer or provider as registered (None: it has not registered)."""
    who = actor()
    reg = registry()
    try:
        if who.role is PortalRole.PROVIDER:
            return reg.providers.provider(who.scope)
        return reg.registrations.employer(who.scope)
    except RegistryError as exc:
        if exc.reason == "forbidden":
            return None
        raise


def approved_first(landing: str, what: str) -> Callable[[], BaseResponse | None]:
    """A ``before_request`` gate: every endpoint but ``landing`` sends an organisation the
    bureau has not approved back to ``landing``, saying so (``what``: 本单位, 本机构)."""

    def gate() -> BaseResponse | None:
        if request.endpoint == landing:
            return None
        found = own_organisation()
        if found is None or found.state is not Approval.APPROVED:
            flash(f"{what}的注册尚未通过人社局审核，审核通过后才能办理这些事项。", "info")
            return redirect(url_for(landing))
        return None

    return gate


__all__ = ["approved_first", "own_organisation"]
