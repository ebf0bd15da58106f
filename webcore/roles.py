"""What an account of cecert's web applications is (:class:`Role`) and what it speaks for
(its scope: :func:`check_scope`); ``docs/accounts.md``.

The web verifier admits ``panel`` and ``employer`` accounts to its panel check; the
portal's roles are ``professional``, ``employer``, ``authority``, ``bureau`` and
``provider``. Reissue and
revocation are never offered over the web, whatever the role.
"""

from __future__ import annotations

import enum
import unicodedata

from webcore.errors import WebError

MAX_SCOPE = 128
"""Characters of an account's scope, at most."""


class Role(enum.Enum):
    """What an account may do on the web (``docs/accounts.md``)."""

    PANEL = "panel"
    """A title-evaluation panel: the panel check, look-up by ID number, the title report."""
    EMPLOYER = "employer"
    """An employer: the same check, to confirm its staff's certificates before it
    recommends them for a title. Its scope: the employer's unified social credit code."""
    PROFESSIONAL = "professional"
    """A professional (专业技术人员), in the portal. Its scope: the person's ID number."""
    AUTHORITY = "authority"
    """An industry authority (行业主管部门), in the portal. Its scope: the sector's name."""
    BUREAU = "bureau"
    """A human-resources and social-security bureau (人社局), in the portal. Its scope: the
    bureau's region code."""
    PROVIDER = "provider"
    """A training provider (施教机构, 继续教育基地), in the portal. Its scope: its unified social
    credit code."""

    @property
    def label_zh(self) -> str:
        return _ROLE_LABELS_ZH[self.value]


_ROLE_LABELS_ZH = {
    "panel": "评审委员会",
    "employer": "用人单位",
    "professional": "专业技术人员",
    "authority": "行业主管部门",
    "bureau": "人社局",
    "provider": "施教机构",
}


def check_scope(scope: str | None) -> str | None:
    """The scope, if it is None or 1 to :data:`MAX_SCOPE` characters, not all spaces and
    none a control character (a tab or a line break would split ``cecert accounts list``)."""
    if scope is not None and (
        not scope.strip()
        or len(scope) > MAX_SCOPE
        or any(unicodedata.category(c) == "Cc" for c in scope)
    ):
        raise WebError(
            "bad_scope",
            f"an account's scope is 1 to {MAX_SCOPE} characters, not all spaces, "
            "with no control characters",
        )
    return scope
