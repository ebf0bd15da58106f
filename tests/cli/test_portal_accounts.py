"""The portal's accounts are apart from the verifier's: anyone may register in the portal,
and a self-registered employer must not reach the panel's look-up by ID number."""

from __future__ import annotations

from pathlib import Path

from tests.conftest import IssuedHome
from tests.support.cli import run
from tests.support.portal import PASSWORD, make_portal, register_employer
from webcore import AccountStore

ENV = {"CECERT_ACCOUNT_PASSWORD": PASSWORD}


def test_portal_roles_are_added_to_the_portal_and_panels_to_the_verifier(
    fresh_home: IssuedHome,
) -> None:
    home = fresh_home.home.root
    added = run("accounts", "add", "tianhe", "--role", "bureau", "--scope", "440106",
                env=ENV, home=home)  # fmt: skip
    assert added.returncode == 0, added.stderr
    assert run("accounts", "add", "panel1", "--role", "panel", env=ENV, home=home).returncode == 0
    employer = run("accounts", "add", "hr1", "--role", "employer", "--portal", "--scope",
                   "91440106MA59P0000X", env=ENV, home=home)  # fmt: skip
    assert employer.returncode == 0, employer.stderr
    portal = AccountStore.open(home / "portal")
    verifier = AccountStore.open(home / "instance")
    assert portal is not None
    assert verifier is not None
    assert {a.username for a in portal.accounts()} == {"tianhe", "hr1"}
    assert {a.username for a in verifier.accounts()} == {"panel1"}
    listed = run("accounts", "list", "--portal", home=home)
    assert "tianhe" in listed.stdout
    assert "panel1" not in listed.stdout


def test_the_portal_has_its_own_session_cookie(fresh_home: IssuedHome, tmp_path: Path) -> None:
    """Browsers share cookies between the ports of one host: with one cookie name, logging in
    to one application would log the person out of the other."""
    portal = make_portal(fresh_home, tmp_path)
    response = register_employer(portal.client())
    cookies = response.headers.getlist("Set-Cookie")
    assert cookies
    assert all(c.startswith("cecert_portal_session=") for c in cookies)
