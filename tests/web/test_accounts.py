"""Accounts, login, sessions and CSRF of the web verifier; nothing personal without proof.

Real accounts files (SQLite, in a temporary instance folder), real HTTP through the Flask
test client, once through ``cecert serve``, and the login page in a real browser.
"""

from __future__ import annotations

import datetime as dt
import http.cookiejar
import json
import os
import re
import stat
import statistics
import subprocess
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Iterator
from io import BytesIO
from pathlib import Path

import pytest
from flask import Flask
from flask.testing import FlaskClient
from selenium import webdriver
from selenium.webdriver.common.by import By
from selenium.webdriver.support.ui import WebDriverWait
from werkzeug.test import TestResponse

from registry.idnumber import mask_id_number
from registry.importing import load_people
from tests.conftest import AT, DEMO, IssuedHome, needs_browser, page_replaced, serving
from tests.support.logins import PASSWORD, LoginClient, csrf_of, log_in, make_instance
from tests.support.panelhome import (
    CANDIDATE_ID,
    CANDIDATE_NAME,
    EVALUATION_DATE,
    OTHER_ID,
    OTHER_NAME,
    RULE,
    PanelHome,
)
from verifier.web import create_app
from webcore import (
    SESSION_LIFETIME,
    AccountStore,
    Role,
    WebError,
    id_number_digest,
    load_secret_key,
)

FORM = {"level": "senior", "rule": RULE, "evaluation_date": EVALUATION_DATE.isoformat()}


@pytest.fixture
def instance(tmp_path: Path) -> Path:
    return make_instance(tmp_path / "instance")


def panel_app(panel_home: PanelHome, instance: Path, **config: object) -> Flask:
    app = create_app(
        {
            "TESTING": True,
            "TRUST_LIST": str(panel_home.home.trust_list_path),
            "REGISTRY": str(panel_home.home.registry_path),
            **config,
        },
        instance_path=str(instance),
    )
    app.test_client_class = LoginClient
    return app


@pytest.fixture
def app(panel_home: PanelHome, instance: Path) -> Flask:
    return panel_app(panel_home, instance)


@pytest.fixture
def client(app: Flask) -> FlaskClient:
    return app.test_client()


# --- the accounts file and the secret key -----------------------------------------------


def test_files_are_private_and_hold_no_password(instance: Path) -> None:
    for name in ("accounts.sqlite", "secret_key"):
        assert stat.S_IMODE((instance / name).stat().st_mode) == 0o600, name
    assert stat.S_IMODE(instance.stat().st_mode) == 0o700
    assert len((instance / "secret_key").read_bytes()) == 32
    data = (instance / "accounts.sqlite").read_bytes()
    assert PASSWORD.encode() not in data
    assert b"scrypt:" in data  # werkzeug's scrypt hashes


def test_store_refuses_weak_passwords_bad_names_and_duplicates(instance: Path) -> None:
    store = AccountStore.create(instance)
    now = dt.datetime.now(dt.UTC)
    with pytest.raises(WebError) as weak:
        store.add("short", "elevenchars", Role.PANEL, at=now)
    assert weak.value.reason == "weak_password"
    with pytest.raises(WebError) as bad:
        store.add("Bad Name", PASSWORD, Role.PANEL, at=now)
    assert bad.value.reason == "bad_username"
    with pytest.raises(WebError) as taken:
        store.add("panel", PASSWORD, Role.EMPLOYER, at=now)
    assert taken.value.reason == "account_exists"
    assert [(a.username, a.role) for a in store.accounts()] == [
        ("employer", Role.EMPLOYER),
        ("panel", Role.PANEL),
    ]
    assert store.authenticate("panel", PASSWORD) is not None
    assert store.authenticate("panel", PASSWORD + "x") is None
    assert store.authenticate("nobody", PASSWORD) is None


def test_readable_files_and_short_keys_stop_the_app(panel_home: PanelHome, instance: Path) -> None:
    (instance / "accounts.sqlite").chmod(0o644)
    with pytest.raises(WebError) as readable:
        panel_app(panel_home, instance)
    assert readable.value.reason == "accounts_file_permissions"
    (instance / "accounts.sqlite").chmod(0o600)
    (instance / "secret_key").chmod(0o640)
    with pytest.raises(WebError) as key:
        load_secret_key(instance, {})
    assert key.value.reason == "secret_key_permissions"
    with pytest.raises(WebError) as short:
        load_secret_key(instance, {"CECERT_SECRET_KEY": "too short"})
    assert short.value.reason == "weak_secret_key"
    assert load_secret_key(instance, {"CECERT_SECRET_KEY": "k" * 32}) == b"k" * 32


def test_login_costs_the_same_for_an_unknown_user(instance: Path) -> None:
    store = AccountStore.open(instance)
    assert store is not None
    store.authenticate("nobody", "warm up the dummy hash")

    def cost(username: str) -> float:
        times = []
        for _ in range(7):
            start = time.perf_counter()
            assert store.authenticate(username, "a wrong password") is None
            times.append(time.perf_counter() - start)
        return statistics.median(times)

    unknown, wrong = cost("nobody"), cost("panel")
    assert wrong > 0.005  # a real scrypt check, not a string compare
    assert 0.5 < unknown / wrong < 2, (unknown, wrong)


# --- login, logout, the gate --------------------------------------------------------------


def test_anonymous_panel_requests_are_sent_to_login(client: FlaskClient) -> None:
    page = client.get("/panel")
    assert page.status_code == 302
    assert page.headers["Location"] == "/login?next=/panel"
    api = client.get("/panel", headers={"Accept": "application/json"})
    assert api.status_code == 401
    assert api.get_json() == {"error": "Unauthorized", "reason": "login_required"}
    for path in ("/panel", "/panel.pdf"):
        posted = client.post(path, data=FORM | {"id_number": CANDIDATE_ID})
        assert posted.status_code == 302
        assert CANDIDATE_NAME not in posted.get_data(as_text=True)
    login = client.get("/login")
    text = login.get_data(as_text=True)
    assert login.status_code == 200
    assert "<title>登录" in text
    assert "<script" not in text
    assert 'type="password"' in text


def test_wrong_password_and_unknown_user_are_refused(client: FlaskClient) -> None:
    for username, password in (("panel", "not the password!"), ("nobody", PASSWORD)):
        response = log_in(client, username, password)
        assert response.status_code == 401
        assert "用户名或密码错误" in response.get_data(as_text=True)
        assert client.get("/panel").status_code == 302


@pytest.mark.parametrize("role", ["panel", "employer"])
def test_both_roles_look_people_up_and_each_look_up_is_audited(
    client: FlaskClient, instance: Path, role: str
) -> None:
    assert log_in(client, role).status_code == 302
    page = client.post("/panel", data=FORM | {"id_number": CANDIDATE_ID})
    assert page.status_code == 200
    assert CANDIDATE_NAME in page.get_data(as_text=True)
    assert role in page.get_data(as_text=True)  # the account bar
    store = AccountStore.open(instance)
    assert store is not None
    (lookup,) = store.lookups()
    assert (lookup.username, lookup.role.value, lookup.action) == (role, role, "report")
    key = (instance / "secret_key").read_bytes()
    assert lookup.id_number_hmac == id_number_digest(key, CANDIDATE_ID)
    assert CANDIDATE_ID.encode() not in (instance / "accounts.sqlite").read_bytes()


@pytest.mark.parametrize("role", [Role.PROFESSIONAL, Role.AUTHORITY, Role.BUREAU])
def test_the_portal_s_roles_may_not_use_the_panel(
    client: FlaskClient, instance: Path, role: Role
) -> None:
    store = AccountStore.open(instance)
    assert store is not None
    store.add("other", PASSWORD, role, at=dt.datetime.now(dt.UTC), scope="440100")
    token = csrf_of(client.get("/login").get_data(as_text=True))
    form = {"csrf_token": token, "username": "other", "password": PASSWORD}
    assert client.post("/login", data=form).headers["Location"] == "/panel"
    assert "已登录：other" in client.get("/login").get_data(as_text=True)
    for path in ("/panel", "/panel/check?digest=" + "0" * 64):
        assert client.get(path).status_code == 403
    assert client.post("/panel", data=FORM | {"id_number": CANDIDATE_ID}).status_code == 403
    assert store.lookups() == []


def test_csrf_token_missing_or_wrong_is_a_400(client: FlaskClient) -> None:
    token = csrf_of(client.get("/login").get_data(as_text=True))
    login = {"username": "panel", "password": PASSWORD}
    assert client.post("/login", data=login).status_code == 400
    assert client.post("/login", data=login | {"csrf_token": token + "x"}).status_code == 400
    assert log_in(client).status_code == 302
    assert isinstance(client, LoginClient)
    good = client.csrf
    client.csrf = ""
    data = FORM | {"id_number": CANDIDATE_ID}
    for bad in ({}, {"csrf_token": ""}, {"csrf_token": token}, {"csrf_token": good[:-1]}):
        for path in ("/panel", "/panel.pdf", "/logout"):
            response = client.post(path, data=data | bad)
            assert response.status_code == 400, (path, bad)
            assert CANDIDATE_NAME not in response.get_data(as_text=True)
    assert client.post("/panel", data=data | {"csrf_token": good}).status_code == 200


def test_login_makes_a_new_session_and_logout_ends_it_on_the_server(
    client: FlaskClient,
) -> None:
    client.get("/login")
    before = client.get_cookie("cecert_session")
    assert before is not None
    assert log_in(client).status_code == 302
    after = client.get_cookie("cecert_session")
    assert after is not None
    assert after.value != before.value
    assert client.get("/panel").status_code == 200
    stolen = after.value
    assert isinstance(client, LoginClient)
    out = client.post("/logout", data={})
    assert out.status_code == 302
    assert out.headers["Location"] == "/login"
    assert client.get("/panel").status_code == 302
    # The cookie as it was before logging out no longer opens the panel: the session ended
    # on the server, not only in this browser.
    client.set_cookie("cecert_session", stolen)
    assert client.get("/panel").status_code == 302


def test_password_change_and_removal_end_sessions(client: FlaskClient, instance: Path) -> None:
    assert log_in(client).status_code == 302
    store = AccountStore.open(instance)
    assert store is not None
    store.set_password("panel", "another long password", at=dt.datetime.now(dt.UTC))
    assert client.get("/panel").status_code == 302
    assert log_in(client, "panel", "another long password").status_code == 302
    store.remove("panel")
    assert client.get("/panel").status_code == 302


def test_session_cookie_flags(panel_home: PanelHome, instance: Path) -> None:
    client = panel_app(panel_home, instance).test_client()
    log_in(client)
    cookie = client.get_cookie("cecert_session")
    assert cookie is not None
    assert cookie.http_only
    assert cookie.same_site == "Strict"
    assert not cookie.secure
    assert cookie.expires is not None
    lifetime = cookie.expires - dt.datetime.now(dt.UTC)
    assert SESSION_LIFETIME - dt.timedelta(minutes=1) < lifetime <= SESSION_LIFETIME
    secure = panel_app(panel_home, instance, SESSION_COOKIE_SECURE=True).test_client()
    response = secure.get("/login", base_url="https://verify.example")
    assert "Secure" in response.headers["Set-Cookie"]


def test_without_a_secret_key_login_is_disabled_and_verification_works(
    panel_home: PanelHome, tmp_path: Path
) -> None:
    bare = tmp_path / "bare"
    bare.mkdir()
    client = panel_app(panel_home, bare).test_client()
    page = client.get("/login")
    assert page.status_code == 503
    assert "登录已停用" in page.get_data(as_text=True)
    assert client.post("/login", data={"username": "panel"}).status_code == 503
    assert client.get("/panel").headers["Location"].startswith("/login")
    verified = client.post("/api/v1/verify", json={"qr": panel_home.documents[0].payload})
    assert verified.status_code == 200
    assert verified.get_json()["certificate"]["name"] == CANDIDATE_NAME


def test_next_is_a_local_path_only(client: FlaskClient) -> None:
    token = csrf_of(client.get("/login").get_data(as_text=True))
    for target, expected in (("//evil.example/", "/panel"), ("https://evil.example/", "/panel")):
        response = client.post(
            "/login",
            data={"csrf_token": token, "username": "panel", "password": PASSWORD, "next": target},
        )
        assert response.headers["Location"] == expected
        client.post("/logout", data={"csrf_token": csrf_of(client.get("/panel").text)})
        token = csrf_of(client.get("/login").get_data(as_text=True))


# --- nothing personal without proof: crawl every public route ---------------------------


def identities(issued_home: IssuedHome) -> dict[str, tuple[str, str]]:
    """ID number → (name, masked ID) of everyone in both test registries."""
    people = {p.id_number: p.name for _, p in load_people(DEMO / "people.csv", today=AT.date())}
    people |= {CANDIDATE_ID: CANDIDATE_NAME, OTHER_ID: OTHER_NAME}
    return {id_number: (name, mask_id_number(id_number)) for id_number, name in people.items()}


def readable(response: TestResponse) -> str:
    """The body and headers as a person reads them: JSON with its ``\\u`` escapes decoded."""
    text = response.get_data(as_text=True) + str(response.headers)
    if response.is_json:
        text += json.dumps(response.get_json(silent=True), ensure_ascii=False)
    return text


def leaks(text: str, people: dict[str, tuple[str, str]], allowed: str | None) -> list[str]:
    """Every name, ID number or masked ID in ``text`` that is not ``allowed``'s name or
    masked ID (the holder of the payload presented). A full ID number is never allowed."""
    found = []
    for id_number, (name, masked) in people.items():
        if id_number in text:
            found.append(id_number)
        if id_number != allowed and (name in text or masked in text):
            found.append(f"{name} {masked}")
    return found


def _requests(
    numbers: list[str], people: dict[str, tuple[str, str]]
) -> Iterator[tuple[str, str, dict[str, object]]]:
    """Anonymous requests that carry no certificate: look-ups by ID number, by name, by
    certificate number, in every form the routes accept."""
    probes = [*people, *(name for name, _ in people.values()), *numbers]
    yield "GET", "", {}
    for probe in probes:
        yield (
            "GET",
            f"?id_number={urllib.parse.quote(probe)}&number={urllib.parse.quote(probe)}",
            {},
        )
        yield "POST", "", {"data": {"qr": probe, "id_number": probe, "number": probe} | FORM}
        yield "POST", "", {"json": {"qr": probe, "id_number": probe, "number": probe}}
        yield "POST", "", {"data": probe.encode(), "content_type": "text/plain"}


def crawl_paths(app: Flask) -> list[str]:
    """Every route of the app; the static route once per file."""
    paths = []
    for rule in app.url_map.iter_rules():
        if rule.endpoint == "static":
            static = Path(app.static_folder or "")
            paths += [f"/static/{p.relative_to(static)}" for p in static.rglob("*") if p.is_file()]
        else:
            paths.append(re.sub(r"<[^>]+>", "x", rule.rule))
    return sorted(set([*paths, "/no-such-page"]))


def test_anonymous_client_gets_no_name_or_id_number_it_did_not_present(
    issued_home: IssuedHome, panel_home: PanelHome, instance: Path
) -> None:
    people = identities(issued_home)
    homes = [
        (issued_home.home, list(issued_home.documents)),
        (panel_home.home, [*panel_home.documents, panel_home.other]),
    ]
    tried = 0
    for home, documents in homes:
        app = create_app(
            {
                "TESTING": True,
                "TRUST_LIST": str(home.trust_list_path),
                "REGISTRY": str(home.registry_path),
                "RATE_LIMIT_VERIFY": "100000/minute",
                "RATE_LIMIT_LOGIN": "100000/minute",
            },
            instance_path=str(instance),
        )
        client = app.test_client()
        numbers = [d.number for d in documents]
        paths = crawl_paths(app)
        assert {"/", "/api/v1/verify", "/scan", "/panel", "/panel.pdf", "/login"} <= set(paths)
        for path in paths:
            # Static files are the same bytes whatever the request: one GET each.
            probes = (
                [("GET", "", {})] if path.startswith("/static/") else _requests(numbers, people)
            )
            for method, query, kwargs in probes:
                response = client.open(path + query, method=method, **kwargs)  # type: ignore[arg-type]
                tried += 1
                assert response.status_code < 500, (method, path, response.status_code)
                found = leaks(readable(response), people, None)
                response.close()
                assert not found, (method, path + query, kwargs, found)
        # With proof of possession: the holder's name and masked ID, nobody else's, never a
        # full ID number; the edition history carries no names.
        for document in documents:
            holder = document.id_number
            pdf = Path(document.pdf_path).read_bytes()
            for path, kwargs in (
                ("/", {"data": {"qr": document.payload}}),
                ("/api/v1/verify", {"json": {"qr": document.payload}}),
                ("/", {"data": {"file": (BytesIO(pdf), "c.pdf")}}),
                ("/api/v1/verify", {"data": pdf, "content_type": "application/pdf"}),
            ):
                response = client.post(path, **kwargs)  # type: ignore[arg-type]
                tried += 1
                text = readable(response)
                assert response.status_code == 200
                assert people[holder][0] in text
                assert not leaks(text, people, holder), (path, document.number)
    assert tried > 500
    print(f"anonymous requests crawled: {tried}")


# --- through `cecert serve` -----------------------------------------------------------


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args: object, **kwargs: object) -> None:
        return None


def test_served_panel_needs_login_and_logout_ends_it(panel_home: PanelHome, instance: Path) -> None:
    jar = http.cookiejar.CookieJar()
    opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar), _NoRedirect)

    def call(base: str, path: str, data: dict[str, str] | None = None) -> tuple[int, str, dict]:
        body = urllib.parse.urlencode(data).encode() if data is not None else None
        try:
            with opener.open(base + path, data=body, timeout=30) as response:
                return response.status, response.read().decode(), dict(response.headers)
        except urllib.error.HTTPError as error:
            return error.code, error.read().decode(), dict(error.headers)

    with serving(panel_home.home.root, "--workers", "1", "--instance", str(instance)) as base:
        status, _, headers = call(base, "/panel")
        assert (status, headers["Location"]) == (302, "/login?next=/panel")
        status, page, _ = call(base, "/api/v1/verify", {"qr": CANDIDATE_ID})
        assert CANDIDATE_NAME not in page
        status, page, headers = call(base, "/login")
        assert status == 200
        assert "HttpOnly" in headers["Set-Cookie"]
        assert "SameSite=Strict" in headers["Set-Cookie"]
        form = {"csrf_token": csrf_of(page), "username": "panel", "password": PASSWORD}
        status, _, headers = call(base, "/login", form | {"next": "/panel"})
        assert (status, headers["Location"]) == (302, "/panel")
        status, page, _ = call(base, "/panel")
        assert status == 200
        token = csrf_of(page)
        status, page, _ = call(base, "/panel", FORM | {"id_number": CANDIDATE_ID})
        assert status == 400  # no CSRF token
        status, page, _ = call(
            base, "/panel", FORM | {"id_number": CANDIDATE_ID, "csrf_token": token}
        )
        assert status == 200
        assert CANDIDATE_NAME in page
        status, _, _ = call(base, "/logout", {"csrf_token": token})
        assert status == 302
        assert call(base, "/panel")[0] == 302


# --- the command line -------------------------------------------------------------------


def test_accounts_commands(tmp_path: Path) -> None:
    folder = tmp_path / "inst"
    env = {k: v for k, v in os.environ.items() if not k.startswith("CECERT_")}
    env["CECERT_ACCOUNT_PASSWORD"] = PASSWORD

    def cecert(*args: str, environ: dict[str, str] = env) -> subprocess.CompletedProcess[str]:
        command = [sys.executable, "-m", "cecert", "accounts", *args, "--instance", str(folder)]
        return subprocess.run(
            command, env=environ, capture_output=True, text=True, stdin=subprocess.DEVNULL
        )

    added = cecert("add", "board", "--role", "panel")
    assert added.returncode == 0, added.stderr
    assert "created the session secret key" in added.stdout
    assert stat.S_IMODE((folder / "secret_key").stat().st_mode) == 0o600
    assert cecert("add", "board", "--role", "panel").stderr.startswith("error [account_exists]")
    assert cecert("add", "acme", "--role", "employer").returncode == 0
    listed = cecert("list")
    assert [line.split("\t")[:2] for line in listed.stdout.splitlines()] == [
        ["acme", "用人单位 employer"],
        ["board", "评审委员会 panel"],
    ]
    assert listed.stderr.startswith("账户\t角色\t")  # the header, for the eye only
    weak = cecert("password", "board", environ=env | {"CECERT_ACCOUNT_PASSWORD": "short"})
    assert weak.stderr.startswith("error [weak_password]")
    none = {k: v for k, v in env.items() if k != "CECERT_ACCOUNT_PASSWORD"}
    assert cecert("password", "board", environ=none).stderr.startswith(
        "error [no_account_password]"
    )
    assert (
        cecert("password", "board", environ=env | {"CECERT_ACCOUNT_PASSWORD": "x" * 12}).returncode
        == 0
    )
    assert cecert("remove", "acme").returncode == 0
    assert cecert("remove", "acme").stderr.startswith("error [no_such_account]")
    assert "acme" not in cecert("list").stdout
    assert cecert("add", "x", "--role", "president").returncode == 2  # no such role
    scoped = cecert("add", "gz", "--role", "人社局", "--scope", "440100")
    assert scoped.returncode == 0, scoped.stderr
    assert "（人社局，440100）" in scoped.stdout
    tab = cecert("add", "li", "--role", "professional", "--scope", "a\tb")
    assert tab.stderr.startswith("error [bad_scope]")
    assert [
        line.split("\t")[:2] + line.split("\t")[4:] for line in cecert("list").stdout.splitlines()
    ] == [
        ["board", "评审委员会 panel", ""],
        ["gz", "人社局 bureau", "440100"],
    ]


# --- the login page in a real browser -------------------------------------------------


@pytest.fixture(scope="module")
def login_server(panel_home: PanelHome, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """Requested before ``browser``, so the browser quits first."""
    folder = make_instance(tmp_path_factory.mktemp("inst") / "instance")
    with serving(panel_home.home.root, "--workers", "1", "--instance", str(folder)) as base:
        yield base


@needs_browser
def test_login_page_in_a_real_browser(login_server: str, browser: webdriver.Chrome) -> None:
    browser.get(login_server + "/panel")
    assert browser.current_url == login_server + "/login?next=/panel"
    assert "登录" in browser.title

    def submit(password: str) -> None:
        username = browser.find_element(By.NAME, "username")
        username.clear()  # a refused login keeps the user name typed
        username.send_keys("panel")
        browser.find_element(By.NAME, "password").send_keys(password)
        form = browser.find_element(By.CSS_SELECTOR, "form.login-form")
        form.find_element(By.CSS_SELECTOR, "button[type=submit]").click()
        WebDriverWait(browser, 20).until(page_replaced(form))

    submit("not the password")
    assert "用户名或密码错误" in browser.find_element(By.CSS_SELECTOR, ".error").text
    submit(PASSWORD)
    assert browser.current_url == login_server + "/panel"
    assert browser.find_element(By.CSS_SELECTOR, ".account-bar .username").text == "panel"
    cookie = browser.get_cookie("cecert_session")
    assert cookie is not None
    assert cookie["httpOnly"] is True
    assert cookie["sameSite"] == "Strict"
    assert browser.execute_script("return document.cookie") == ""  # HttpOnly: not for scripts
    bar = browser.find_element(By.CSS_SELECTOR, "form.account-bar")
    bar.find_element(By.CSS_SELECTOR, "button[type=submit]").click()
    WebDriverWait(browser, 20).until(page_replaced(bar))
    assert browser.current_url == login_server + "/login"
    browser.get(login_server + "/panel")
    assert browser.current_url == login_server + "/login?next=/panel"
