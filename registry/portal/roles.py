"""Who acts in the portal and on what: roles, the actor of a change, and the states things go
through (``docs/portal.md`` draws them). Pure."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum


class PortalRole(StrEnum):
    """A party of the notices with a door into the portal."""

    PROFESSIONAL = "professional"
    """专业技术人员: scope is their ID number."""
    EMPLOYER = "employer"
    """用人单位: scope is its unified social credit code."""
    AUTHORITY = "authority"
    """行业主管部门: scope is the sector it governs (``education``, ``health``, …)."""
    BUREAU = "bureau"
    """人社局: scope is its region code; a city bureau covers its districts."""
    PROVIDER = "provider"
    """施教机构 or 继续教育基地: scope is its unified social credit code."""

    @property
    def label_zh(self) -> str:
        return _ROLE_ZH[self]


_ROLE_ZH = {
    PortalRole.PROFESSIONAL: "专业技术人员",
    PortalRole.EMPLOYER: "用人单位",
    PortalRole.AUTHORITY: "行业主管部门",
    PortalRole.BUREAU: "人社局",
    PortalRole.PROVIDER: "施教机构",
}


@dataclass(frozen=True, slots=True)
class Actor:
    """Who does something: an account, in a role, for a scope. Every portal event names it."""

    username: str
    role: PortalRole
    scope: str

    def event_data(self) -> dict[str, str]:
        return {"by": self.username, "role": self.role.value, "scope": self.scope}


class Approval(StrEnum):
    """The state of a registration (an employer's with its bureau, a person's with their
    employer)."""

    PENDING = "pending"
    APPROVED = "approved"
    REJECTED = "rejected"

    @property
    def label_zh(self) -> str:
        return {"pending": "待审核", "approved": "已通过", "rejected": "未通过"}[self.value]


class DeclarationState(StrEnum):
    """Where a declared record stands. ``RETURNED`` goes back to the person, who edits and
    resubmits it (``DECLARED`` again); ``CONFIRMED`` makes it a record that counts."""

    DECLARED = "declared"
    REVIEWED = "reviewed"
    CONFIRMED = "confirmed"
    RETURNED = "returned"
    WITHDRAWN = "withdrawn"

    @property
    def label_zh(self) -> str:
        return _DECLARATION_ZH[self]


_DECLARATION_ZH = {
    DeclarationState.DECLARED: "已申报，待单位初审",
    DeclarationState.REVIEWED: "单位已审核，待认定",
    DeclarationState.CONFIRMED: "已认定",
    DeclarationState.RETURNED: "已退回，请修改后重新提交",
    DeclarationState.WITHDRAWN: "已撤回",
}


class Stage(StrEnum):
    """Who acts next on a declaration or an application."""

    EMPLOYER = "employer"
    AUTHORITY = "authority"
    BUREAU = "bureau"
    PERSON = "person"
    """Returned to the person."""
    DONE = "done"

    @property
    def label_zh(self) -> str:
        return {
            "employer": "用人单位",
            "authority": "行业主管部门",
            "bureau": "人社局",
            "person": "本人",
            "done": "—",
        }[self.value]


class ApplicationState(StrEnum):
    """Where an application for the year's certificate (登记申报) stands."""

    SUBMITTED = "submitted"
    """Waiting for the employer."""
    EMPLOYER_APPROVED = "employer_approved"
    """Waiting for the bureau."""
    APPROVED = "approved"
    """An issuance request: waiting for the signer."""
    ISSUED = "issued"
    REFUSED = "refused"
    """The signer did not issue (the reason is kept), e.g. the hours no longer met."""
    RETURNED = "returned"
    WITHDRAWN = "withdrawn"

    @property
    def label_zh(self) -> str:
        return _APPLICATION_ZH[self]

    @property
    def open(self) -> bool:
        """Whether it still holds the person's place for the year."""
        return self in {self.SUBMITTED, self.EMPLOYER_APPROVED, self.APPROVED, self.ISSUED}


_APPLICATION_ZH = {
    ApplicationState.SUBMITTED: "已提交，待单位审核",
    ApplicationState.EMPLOYER_APPROVED: "单位已同意，待人社局审核",
    ApplicationState.APPROVED: "已核准，证书生成中",
    ApplicationState.ISSUED: "证书已签发",
    ApplicationState.REFUSED: "未能签发",
    ApplicationState.RETURNED: "已退回",
    ApplicationState.WITHDRAWN: "已撤回",
}


__all__ = [
    "Actor",
    "ApplicationState",
    "Approval",
    "DeclarationState",
    "PortalRole",
    "Stage",
]
