"""The demo's portal: one approved employer with its staff member, and one account per role.

Run by ``scripts/demo`` after the import; does nothing the second time. Everything goes
through the registry's own calls, as the portal's pages would: the employer registers and
the city bureau approves it; 张伟 (already in the registry by import) registers with it and
the employer approves him. The accounts go to the portal's folder, ``<home>/portal``.

    python demo/portal_seed.py HOME PASSWORD
"""

from __future__ import annotations

import datetime as dt
import sys
from pathlib import Path

from registry import Home
from registry.portal import Actor, PortalRole, check_character
from registry.store import Registry
from webcore import AccountStore, Role, ensure_secret_key

EMPLOYER_NAME = "广州市第一人民医院"
CREDIT_CODE = "12440100455350001" + check_character("12440100455350001")
ZHANG = "440106198503120031"
ACCOUNTS = (
    ("zhangwei", Role.PROFESSIONAL, ZHANG),
    ("hospital", Role.EMPLOYER, CREDIT_CODE),
    ("health", Role.AUTHORITY, "health"),
    ("guangzhou", Role.BUREAU, "440100"),
    ("tianhe", Role.BUREAU, "440106"),
)
"""One account per role (two bureau clerks, for the counter's dual control): username, role,
scope."""


def seed(home: Home, password: str, *, at: dt.datetime) -> bool:
    """Seed ``home`` once; return whether anything was added."""
    instance = home.root / "portal"
    accounts = AccountStore.create(instance)
    ensure_secret_key(instance)
    if accounts.account("hospital") is not None:
        return False
    for username, role, scope in ACCOUNTS:
        accounts.add(username, password, role, at=at, scope=scope)
    employer = Actor("hospital", PortalRole.EMPLOYER, CREDIT_CODE)
    bureau = Actor("guangzhou", PortalRole.BUREAU, "440100")
    professional = Actor("zhangwei", PortalRole.PROFESSIONAL, ZHANG)
    with Registry.open(home.registry_path) as registry:
        made = registry.registrations.register_employer(
            employer, name=EMPLOYER_NAME, region="440106", at=at
        )
        registry.registrations.decide_employer(
            bureau, CREDIT_CODE, version=made.version, approve=True, reason=None, at=at
        )
        person = registry.person(ZHANG)
        assert person is not None, "import the demo's people first"
        enrolment = registry.registrations.register_person(
            professional, person, credit_code=CREDIT_CODE, at=at
        )
        registry.registrations.decide_person(
            employer, ZHANG, version=enrolment.version, approve=True, reason=None, at=at
        )
    return True


def main() -> None:
    home, password = Home(Path(sys.argv[1])), sys.argv[2]
    if seed(home, password, at=dt.datetime.now(dt.UTC)):
        sys.stdout.write("平台示例数据已建立 (portal demo data added)\n")


if __name__ == "__main__":
    main()
