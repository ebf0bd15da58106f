"""The demo's portal: one approved employer with its staff member, one approved training
provider with two class plans, and one account per role.

Run by ``scripts/demo`` after the import; does nothing the second time. Everything goes
through the registry's own calls, as the portal's pages would: the employer registers and
the city bureau approves it; 张伟 (already in the registry by import) registers with it and
the employer approves him. The provider registers and the city bureau approves it; it files
an online class running today, which the health authority approves (its roster can be
uploaded at once), and a face-to-face class 45 days ahead, waiting for the authority. The
accounts go to the portal's folder, ``<home>/portal``.

    python demo/portal_seed.py HOME PASSWORD
"""

from __future__ import annotations

import datetime as dt
import sys
from pathlib import Path

from registry import CHINA_TZ, Home
from registry.model import Category
from registry.portal import Actor, PortalRole, check_character
from registry.portal.classes import ClassMode, check_plan
from registry.store import Registry
from webcore import AccountStore, Role, ensure_secret_key

EMPLOYER_NAME = "广州市第一人民医院"
CREDIT_CODE = "12440100455350001" + check_character("12440100455350001")
ZHANG = "440106198503120031"
PROVIDER_NAME = "广州市卫生职业培训中心"
PROVIDER_CODE = "52440106MJ0000007" + check_character("52440106MJ0000007")
ACCOUNTS = (
    ("zhangwei", Role.PROFESSIONAL, ZHANG),
    ("hospital", Role.EMPLOYER, CREDIT_CODE),
    ("health", Role.AUTHORITY, "health"),
    ("guangzhou", Role.BUREAU, "440100"),
    ("tianhe", Role.BUREAU, "440106"),
    ("peixun", Role.PROVIDER, PROVIDER_CODE),
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
        _provider(registry, bureau, at)
    return True


def _provider(registry: Registry, bureau: Actor, at: dt.datetime) -> None:
    provider = Actor("peixun", PortalRole.PROVIDER, PROVIDER_CODE)
    made = registry.providers.register(provider, name=PROVIDER_NAME, region="440106", at=at)
    registry.providers.decide(bureau, PROVIDER_CODE, version=made.version, approve=True,
                              reason=None, at=at)  # fmt: skip
    today = at.astimezone(CHINA_TZ).date()
    online = check_plan(
        sector="health", title="医疗卫生法律法规网络专题", category=Category.PROFESSIONAL,
        course_code="GZWS-WL-01", minutes=8 * 60, start_date=today, end_date=today,
        mode=ClassMode.ONLINE, place="", at=at,
    )  # fmt: skip
    plan = registry.class_plans.file(provider, online, token="demo-online", at=at)  # noqa: S106
    health = Actor("health", PortalRole.AUTHORITY, "health")
    registry.class_plans.decide(health, plan.id, version=plan.version, approve=True,
                                reason=None, at=at)  # fmt: skip
    start = today + dt.timedelta(days=45)
    face = check_plan(
        sector="health", title="急诊急救技能培训班", category=Category.PROFESSIONAL,
        course_code="GZWS-MS-17", minutes=16 * 60, start_date=start,
        end_date=start + dt.timedelta(days=1), mode=ClassMode.FACE_TO_FACE,
        place="广州市天河区中山大道西 8 号", at=at,
    )  # fmt: skip
    registry.class_plans.file(provider, face, token="demo-face", at=at)  # noqa: S106


def main() -> None:
    home, password = Home(Path(sys.argv[1])), sys.argv[2]
    if seed(home, password, at=dt.datetime.now(dt.UTC)):
        sys.stdout.write("平台示例数据已建立 (portal demo data added)\n")


if __name__ == "__main__":
    main()
