"""The registrations waiting for a reviewer's approval, shared by the employer's pages (its
staff's registrations, :mod:`portal.web.employer`) and the bureau's (employers' registrations,
:mod:`portal.web.reviewers`): a page of them, each decided on its own row with the version it
showed.

The store decides whether a decision may be made; these views answer its refusals: a
refusal without a reason (or too long a one) is shown at the row's field (400); a row someone
else decided first re-shows the fresh list with nothing changed (409).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any, Protocol

from flask import abort, flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue

from portal.web.review_queue import CHANGED_ZH, PAGE_SIZE, read_int
from portal.web.session import now, registry
from registry import RegistryError
from registry.portal import Actor, Approval
from registry.portal.values import Enrolment, Organisation, Page
from registry.store import Registry


class Decide(Protocol):
    """The store's decision on one registration (``Registrations.decide_person`` or
    ``decide_employer``)."""

    def __call__(
        self,
        actor: Actor,
        key: str,
        /,
        *,
        version: int,
        approve: bool,
        reason: str | None,
        at: dt.datetime,
    ) -> Organisation | Enrolment: ...


@dataclass(frozen=True, slots=True)
class RegistrationQueue:
    """One kind of registration a reviewer approves or refuses, row by row."""

    template: str
    page_endpoint: str
    key: str
    """The form field naming the row (``id_number``, ``credit_code``)."""
    seen_by: str
    """Who reads a refusal's reason, in Chinese (本人, 单位)."""
    approved_zh: str
    """The message after an approval; ``{name}`` is the registration's name."""
    refused_zh: str
    """The message after a refusal; ``{name}`` is the registration's name."""
    pending: Callable[[Registry, Actor, int, int], Page[Any]]
    """``(registry, actor, after, limit)``: a page of the registrations waiting for the actor."""
    decide: Callable[[Registry], Decide]
    """The store's decision, from the request's registry."""
    words: Mapping[str, str] = field(default_factory=dict)
    """What the template says of this kind of registration (a shared template's words)."""

    def page(
        self,
        who: Actor,
        *,
        errors: dict[str, str] | None = None,
        alert: str | None = None,
        typed: str = "",
    ) -> tuple[str, int]:
        """The registrations waiting for ``who``; after a refused form, what was wrong
        (``errors`` at a row's field, with the reason ``typed``; ``alert`` over the list)."""
        after = (read_int(request.args, "after", 0) or 0) if request.method == "GET" else 0
        page = self.pending(registry(), who, after, PAGE_SIZE)
        status = 409 if alert else 400 if errors else 200
        return render_template(
            self.template, page=page, errors=errors or {}, alert=alert, typed=typed,
            words={"page": self.page_endpoint, **self.words},
        ), status  # fmt: skip

    def decide_form(self, who: Actor) -> ResponseReturnValue:
        """Approve or refuse the form's one registration (a refusal needs a reason); back to
        the list with a message, or the list again with what was wrong."""
        form = request.form
        key = form.get(self.key, "")
        version = read_int(form, "version", None)
        decision = form.get("decision", "")
        if version is None or not key or decision not in {"approve", "refuse"}:
            abort(400)
        reason = form.get("reason", "")
        try:
            decided = self.decide(registry())(
                who, key, version=version, approve=decision == "approve", reason=reason, at=now()
            )
        except RegistryError as exc:
            if exc.reason == "changed":
                return self.page(who, alert=CHANGED_ZH)
            message = self._refusal_error(exc.reason)
            if message is None:
                raise
            return self.page(who, errors={f"reason-{key}": message}, typed=reason)
        done = self.approved_zh if decided.state is Approval.APPROVED else self.refused_zh
        flash(done.format(name=decided.name), "success")
        return redirect(url_for(self.page_endpoint))

    def _refusal_error(self, reason: str) -> str | None:
        """What to say at the field for the store's refusal of the reason (None: not the
        reason's fault)."""
        if reason == "reason_required":
            return f"不予通过时请填写理由，{self.seen_by}将看到。"
        if reason == "reason_too_long":
            return "理由不能超过 500 字，请删减后再提交。"
        return None


__all__ = ["Decide", "RegistrationQueue"]
