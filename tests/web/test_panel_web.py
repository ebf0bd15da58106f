"""The panel page and its PDF: through the Flask test client, then in a real browser.

The acceptance scenario is tests/support/panelhome.py; looking at ``/tmp/panel-report.png`` and
``/tmp/panel-report-pdf.png``, which these tests write, is the check by eye.
"""

from __future__ import annotations

import base64
import contextlib
import datetime as dt
import hashlib
import html
import re
import shutil
import sqlite3
import subprocess
from collections.abc import Iterator
from html.parser import HTMLParser
from io import BytesIO
from pathlib import Path

import pytest
from flask import Flask
from flask.testing import FlaskClient
from selenium import webdriver
from selenium.webdriver.common.by import By
from selenium.webdriver.support import expected_conditions
from selenium.webdriver.support.ui import Select, WebDriverWait
from werkzeug.security import generate_password_hash

from keys.private import open_key_ring
from registry.home import CHINA_TZ
from registry.store import Registry
from registry.titles.model import YearVerdict
from signer.status.snapshots import export_snapshot
from tests.conftest import needs_browser, page_replaced, serving
from tests.support.logins import PASSWORD, LoginClient, log_in, make_instance
from tests.support.panelhome import (
    CANDIDATE_ID,
    CANDIDATE_NAME,
    CONFIG,
    EVALUATION_DATE,
    PASSPHRASE,
    RULE,
    SHORT_YEAR,
    TITLE_DATE,
    YEARS,
    PanelHome,
)
from tests.support.paths import ROOT
from verifier.web import create_app
from verifier.web.panel_form import PanelForm
from webcore import AccountStore, Lookup, ensure_secret_key
from webcore.accounts_schema import SCHEMA_VERSION

EXPECTED = {year: YearVerdict.MET for year in YEARS} | {SHORT_YEAR: YearVerdict.NOT_MET}


# --- the page and the PDF, through Flask ------------------------------------------------


@pytest.fixture
def app(panel_home: PanelHome, tmp_path: Path) -> Flask:
    app = create_app(
        {
            "TESTING": True,
            "TRUST_LIST": str(panel_home.home.trust_list_path),
            "REGISTRY": str(panel_home.home.registry_path),
        },
        instance_path=str(make_instance(tmp_path / "instance")),
    )
    app.test_client_class = LoginClient
    return app


@pytest.fixture
def client(app: Flask) -> FlaskClient:
    """A client logged in as the panel account (tests/web/test_accounts.py tests the login)."""
    client = app.test_client()
    assert log_in(client).status_code == 302
    return client


FORM = {
    "level": "senior",
    "rule": RULE,
    "evaluation_date": EVALUATION_DATE.isoformat(),
}
_ROW = re.compile(r'<tr class="year year-(\w+)">\s*<td class="year-number">(\d{4})</td>')
_HIDDEN = re.compile(r'<input type="hidden" name="([^"]+)" value="([^"]*)">')


_DIGEST = re.compile(r'<code class="panel-digest">([0-9a-f ]+)</code>')
_WHEN = re.compile(r"\d{4}-\d\d-\d\d \d\d:\d\d 北京时间")


def offered_rules(page: str) -> set[str]:
    return set(re.findall(r'value="([^"]+)"', select_of(page, "rule")))


def select_of(page: str, name: str) -> str:
    match = re.search(rf'<select id="{name}".*?</select>', page, re.DOTALL)
    assert match, f"no select {name}"
    return match.group(0)


def hidden_fields(page: str) -> dict[str, list[str]]:
    """The hidden fields of a page, as a test client posts them again."""
    hidden: dict[str, list[str]] = {}
    for name, value in _HIDDEN.findall(page):
        hidden.setdefault(name, []).append(html.unescape(value))
    return hidden


def page_digest(page: str) -> str:
    """The report digest a page shows, in its groups of four."""
    match = _DIGEST.search(page)
    assert match, "the page shows no report digest"
    return match.group(1)


def audit_log(client: FlaskClient) -> list[Lookup]:
    store = AccountStore.open(Path(client.application.instance_path))
    assert store is not None
    return store.lookups()


def page_verdicts(page: str) -> dict[int, YearVerdict]:
    return {int(year): YearVerdict(verdict) for verdict, year in _ROW.findall(page)}


def pdftotext(data: bytes, tmp_path: Path) -> str:
    path = tmp_path / "report.pdf"
    path.write_bytes(data)
    return subprocess.run(
        ["pdftotext", "-enc", "UTF-8", "-layout", str(path), "-"],
        check=True,
        capture_output=True,
        text=True,
    ).stdout


def test_form_offers_the_rules_in_force_today_and_the_id_number_with_a_registry(
    client: FlaskClient, panel_home: PanelHome
) -> None:
    page = client.get("/panel")
    text = page.get_data(as_text=True)
    assert page.status_code == 200
    assert "default-src 'self'" in page.headers["Content-Security-Policy"]
    # Today (any day from 2021 on): the Guangzhou cycle ended in 2016, Guangde's rule held
    # in 2020 only. They used to be offered, and then refused.
    assert offered_rules(text) == {"foshan-gaoming-2015", "shaoguan-2019"}
    assert 'name="id_number"' in text
    assert 'name="direct"' in text
    assert "<script" not in text
    offline = create_app(
        {"TRUST_LIST": str(panel_home.home.trust_list_path)},
        instance_path=str(client.application.instance_path),
    )
    offline.test_client_class = LoginClient
    offline_client = offline.test_client()
    log_in(offline_client)
    assert 'name="id_number"' not in offline_client.get("/panel").get_data(as_text=True)
    # Without status data the report says so where it names its sources.
    data = FORM | {"qr": panel_home.documents[0].payload, "title_date": TITLE_DATE.isoformat()}
    report = offline_client.post("/panel", data=data).get_data(as_text=True)
    assert "无登记状态数据：证书是否已被撤销或替换未经核实" in report


def test_a_rule_not_in_force_on_the_evaluation_date_is_named_with_its_dates(
    client: FlaskClient, panel_home: PanelHome
) -> None:
    data = FORM | {
        "qr": panel_home.documents[0].payload,
        "title_date": TITLE_DATE.isoformat(),
        "rule": "ah-guangde-2020",
        "evaluation_date": "2016-06-01",
    }
    response = client.post("/panel", data=data)
    text = response.get_data(as_text=True)
    assert response.status_code == 400
    assert (
        "评审规则“广德市2020年度专业技术人员继续教育要求”（ah-guangde-2020）"
        "有效期为2020-01-01至2020-12-31，评审日期 2016-06-01 不在有效期内。"
    ) in text
    # The form comes back with the date posted and the rules in force on it.
    assert 'value="2016-06-01"' in text
    assert offered_rules(text) == {"foshan-gaoming-2015", "guangzhou-cycle-2016"}
    assert "只列出在评审日期 2016-06-01 有效的评审规则" in text
    # "按评审日期更新规则" lists the rules of another date without running a check.
    lookups = len(audit_log(client))
    refreshed = client.post("/panel", data={"refresh": "1", "evaluation_date": "2020-06-01"})
    text = refreshed.get_data(as_text=True)
    assert refreshed.status_code == 200
    assert offered_rules(text) == {"foshan-gaoming-2015", "shaoguan-2019", "ah-guangde-2020"}
    assert 'role="alert"' not in text
    assert len(audit_log(client)) == lookups


def test_the_target_level_has_no_default(client: FlaskClient) -> None:
    text = client.get("/panel").get_data(as_text=True)
    level = select_of(text, "level")
    assert '<option value="">请选择申报级别</option>' in level
    assert "selected" not in level
    assert re.search(r'<select id="level" name="level" required', text)
    assert PanelForm(values={}).level is None
    data = {key: value for key, value in FORM.items() if key != "level"}
    response = client.post("/panel", data=data | {"id_number": CANDIDATE_ID})
    assert response.status_code == 400
    assert '<a href="#level">申报级别</a>：<span class="error">请选择申报级别。' in (
        response.get_data(as_text=True)
    )


def test_report_page_by_id_number(client: FlaskClient) -> None:
    response = client.post("/panel", data=FORM | {"id_number": CANDIDATE_ID})
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert page_verdicts(page) == EXPECTED
    assert CANDIDATE_NAME in page
    assert "结论：不符合" in page
    assert "专业科目30学时" in page
    assert "30/42" in page  # professional hours against the requirement
    assert "佛山市高明区" in page  # the rule's Chinese title


def test_report_page_from_pasted_qr_texts(client: FlaskClient, panel_home: PanelHome) -> None:
    texts = "\n".join([*(d.payload for d in panel_home.documents), panel_home.other.payload])
    data = FORM | {"qr": texts, "title_date": TITLE_DATE.isoformat()}
    page = client.post("/panel", data=data).get_data(as_text=True)
    assert page_verdicts(page) == EXPECTED
    assert "李四" in page
    assert "不是本次申报人" in page
    assert "符合" in page
    assert "不符合" in page


def test_pdf_button_re_verifies_the_same_input(
    client: FlaskClient, panel_home: PanelHome, tmp_path: Path
) -> None:
    uploads = [
        (BytesIO(Path(d.pdf_path).read_bytes()), f"{d.year}.pdf") for d in panel_home.documents[:2]
    ]
    data = FORM | {
        "qr": "\n".join(d.payload for d in panel_home.documents[2:]),
        "title_date": TITLE_DATE.isoformat(),
        "files": uploads,
    }
    page = client.post("/panel", data=data, content_type="multipart/form-data")
    assert page_verdicts(page.get_data(as_text=True)) == EXPECTED
    hidden = hidden_fields(page.get_data(as_text=True))
    assert len(hidden["upload_data"]) == 2
    response = client.post("/panel.pdf", data=hidden, content_type="multipart/form-data")
    assert response.status_code == 200
    assert response.mimetype == "application/pdf"
    assert response.headers["Content-Disposition"].startswith("attachment;")
    text = pdftotext(response.data, tmp_path)
    assert CANDIDATE_NAME in text
    assert all(str(year) in text for year in YEARS)
    assert "不符合" in text
    assert "专业科目30学时" in text
    first = tmp_path / "first"
    subprocess.run(
        ["pdftoppm", "-png", "-r", "80", "-f", "1", "-l", "1", "-singlefile",
         str(tmp_path / "report.pdf"), str(first)],
        check=True,
    )  # fmt: skip
    shutil.copy(first.with_suffix(".png"), "/tmp/panel-report-pdf.png")


def test_pdf_straight_from_the_form_by_id_number(client: FlaskClient, tmp_path: Path) -> None:
    response = client.post("/panel.pdf", data=FORM | {"id_number": CANDIDATE_ID})
    assert response.mimetype == "application/pdf"
    text = pdftotext(response.data, tmp_path)
    assert CANDIDATE_NAME in text
    assert "不符合" in text
    assert all(str(year) in text for year in YEARS)


def test_bad_input_is_a_400_that_says_what_is_missing(client: FlaskClient) -> None:
    empty = client.post("/panel", data={})
    text = empty.get_data(as_text=True)
    assert empty.status_code == 400
    assert "请粘贴二维码文本" in text
    assert "身份证号" in text
    assert "请选择评审规则" in text
    assert "Traceback" not in text
    no_title_date = client.post("/panel", data=FORM | {"qr": "CEC1:whatever"})
    assert no_title_date.status_code == 400
    assert "请填写取得现职称时间" in no_title_date.get_data(as_text=True)
    bad = client.post("/panel.pdf", data=FORM | {"id_number": "123", "evaluation_date": "x"})
    assert bad.status_code == 400
    assert "身份证号无效" in bad.get_data(as_text=True)
    assert "评审日期“x”不是有效日期" in bad.get_data(as_text=True)


# --- uploads kept when the form comes back -------------------------------------------------


def test_uploads_are_kept_when_the_form_comes_back_with_a_problem(
    client: FlaskClient, panel_home: PanelHome
) -> None:
    """The 2020 certificate is presented only as a file: the year is met only if the file,
    kept through the form's problem, is verified in the end."""
    pdf = Path(panel_home.documents[0].pdf_path).read_bytes()
    data = FORM | {
        "qr": "\n".join(d.payload for d in panel_home.documents[1:]),
        "title_date": TITLE_DATE.isoformat(),
    }
    upload = {"files": [(BytesIO(pdf), "证书 2020.pdf")]}
    bad_date = data | {"evaluation_date": "2025-13-01"} | upload
    response = client.post("/panel", data=bad_date, content_type="multipart/form-data")
    page = response.get_data(as_text=True)
    assert response.status_code == 400
    assert "评审日期“2025-13-01”不是有效日期" in page
    assert "已上传的文件（将一并核查）" in page
    assert '<span class="panel-upload-name">证书 2020.pdf</span>' in page
    assert "已上传的文件已保留，无需重新选择" in page
    hidden = hidden_fields(page)
    assert hidden["upload_name"] == ["证书 2020.pdf"]
    assert hidden["upload_data"] == [base64.b64encode(pdf).decode()]
    fixed = client.post("/panel", data=hidden | data, content_type="multipart/form-data")
    assert fixed.status_code == 200
    assert page_verdicts(fixed.get_data(as_text=True)) == EXPECTED
    # Its box ticked, the file is dropped: 2020 has no certificate any more.
    dropped = client.post(
        "/panel", data=hidden | data | {"drop_upload": "0"}, content_type="multipart/form-data"
    )
    assert page_verdicts(dropped.get_data(as_text=True)) == EXPECTED | {2020: YearVerdict.MISSING}


def test_the_form_takes_uploads_back_as_base64_beyond_the_upload_limit(
    panel_home: PanelHome, tmp_path: Path
) -> None:
    """Base64 is 4/3 of the files: the form's re-post gets the larger limit the PDF button
    has, or files that fitted the first time would be refused the second (413)."""
    # Three files: a body over 500 kB would make the test client leave a temporary file open.
    files = [Path(d.pdf_path).read_bytes() for d in panel_home.documents[:3]]
    limit = sum(len(f) for f in files) + 16384
    app = create_app(
        {
            "TESTING": True,
            "TRUST_LIST": str(panel_home.home.trust_list_path),
            "REGISTRY": str(panel_home.home.registry_path),
            "MAX_CONTENT_LENGTH": limit,
        },
        instance_path=str(make_instance(tmp_path / "instance")),
    )
    app.test_client_class = LoginClient
    client = app.test_client()
    log_in(client)
    uploads = [(BytesIO(data), f"{n}.pdf") for n, data in enumerate(files)]
    data = FORM | {
        "title_date": TITLE_DATE.isoformat(),
        "qr": "\n".join(d.payload for d in panel_home.documents[3:]),
    }
    first = client.post(
        "/panel", data=data | {"level": "", "files": uploads}, content_type="multipart/form-data"
    )
    assert first.status_code == 400
    hidden = hidden_fields(first.get_data(as_text=True))
    assert sum(len(blob) for blob in hidden["upload_data"]) > limit
    again = client.post("/panel", data=hidden | data, content_type="multipart/form-data")
    assert again.status_code == 200
    assert page_verdicts(again.get_data(as_text=True)) == EXPECTED


# --- the report's own verification data and digest -----------------------------------------


def test_the_page_and_its_pdf_show_the_same_verification_data_and_digest(
    client: FlaskClient, panel_home: PanelHome, tmp_path: Path
) -> None:
    response = client.post("/panel", data=FORM | {"id_number": CANDIDATE_ID})
    page = response.get_data(as_text=True)
    digest = page_digest(page)
    assert re.fullmatch(r"(?:[0-9a-f]{4} ){15}[0-9a-f]{4}", digest)
    assert "报告摘要" in page
    assert "panel（评审委员会）" in page
    when = re.search(rf"<dt>生成时间 .*?<dd>({_WHEN.pattern})", page, re.DOTALL)
    assert when
    generated = when.group(1)
    trust = panel_home.home.trust_list_path.read_bytes()
    prefix = hashlib.sha256(trust).hexdigest()[:16]
    shown_prefix = " ".join(prefix[i : i + 4] for i in range(0, 16, 4))
    assert f"SHA-256 {shown_prefix}" in page
    assert "登记系统（核查时实时查询）" in page
    logged = audit_log(client)[-1]
    assert (logged.action, logged.report_digest) == ("report", digest.replace(" ", ""))

    pdf = client.post("/panel.pdf", data=hidden_fields(page), content_type="multipart/form-data")
    assert pdf.mimetype == "application/pdf"
    text = pdftotext(pdf.data, tmp_path)
    assert "报告摘要" in text
    assert digest.replace(" ", "") in "".join(text.split())
    assert generated in text
    assert "panel（评审委员会）" in text
    assert f"SHA-256 {shown_prefix}" in text
    logged = audit_log(client)[-1]
    assert (logged.action, logged.report_digest) == ("pdf", digest.replace(" ", ""))

    found = client.get("/panel/check", query_string={"digest": digest})
    answer = found.get_data(as_text=True)
    assert found.status_code == 200
    assert "本站生成过这个摘要的报告：由账户 panel（评审委员会）" in answer
    assert generated in answer
    assert "（网页报告、PDF）" in answer
    last = "0" if digest[-1] != "0" else "1"
    changed = client.get("/panel/check", query_string={"digest": digest[:-1] + last})
    assert changed.status_code == 200
    assert "本站没有生成过这个摘要的报告" in changed.get_data(as_text=True)
    upper = client.get("/panel/check", query_string={"digest": digest.replace(" ", "").upper()})
    assert "本站生成过这个摘要的报告" in upper.get_data(as_text=True)
    anonymous = client.application.test_client().get(
        "/panel/check", query_string={"digest": digest}
    )
    assert anonymous.status_code == 302  # to the login page: only accounts may ask
    bad = client.get("/panel/check", query_string={"digest": "1234 abcd"})
    assert bad.status_code == 400
    assert '<a href="#digest">报告摘要</a>：<span class="error">报告摘要应为 64 位' in (
        bad.get_data(as_text=True)
    )


def test_a_pdf_shows_the_page_digest_only_for_the_same_account_and_a_time_given(
    app: Flask, client: FlaskClient, tmp_path: Path
) -> None:
    page = client.post("/panel", data=FORM | {"id_number": CANDIDATE_ID}).get_data(as_text=True)
    digest = page_digest(page).replace(" ", "")
    hidden = hidden_fields(page)
    (generated,) = hidden["generated_at"]
    # A time this site did not give to this content: the PDF's own time and digest.
    forged = dt.datetime.fromisoformat(generated) - dt.timedelta(minutes=1)
    response = client.post(
        "/panel.pdf",
        data=hidden | {"generated_at": forged.isoformat()},
        content_type="multipart/form-data",
    )
    text = pdftotext(response.data, tmp_path)
    assert f"{forged.astimezone(CHINA_TZ):%Y-%m-%d %H:%M} 北京时间" not in text
    logged = audit_log(client)[-1]
    assert logged.action == "pdf"
    assert logged.report_digest is not None
    assert logged.report_digest in "".join(text.split())
    # Another account re-posting the page: its own name, its own digest.
    employer = app.test_client()
    log_in(employer, "employer")
    del hidden["csrf_token"]  # the employer's session has its own
    response = employer.post("/panel.pdf", data=hidden, content_type="multipart/form-data")
    text = pdftotext(response.data, tmp_path)
    assert "employer（用人单位）" in text
    assert digest not in "".join(text.split())
    assert audit_log(client)[-1].report_digest in "".join(text.split())


def test_a_report_from_a_snapshot_names_its_time(panel_home: PanelHome, tmp_path: Path) -> None:
    """A verifier without the registry judges status by the bureau's signed snapshot: the
    report says as of when."""
    as_of = dt.datetime.now(dt.UTC).replace(microsecond=0) - dt.timedelta(hours=3)
    ring = open_key_ring(panel_home.home.keys_dir, passphrase=PASSPHRASE)
    with Registry.open(panel_home.home.registry_path, read_only=True) as registry:
        snapshot = export_snapshot(registry, ring, CONFIG, at=as_of)
    (tmp_path / "status.cecs").write_bytes(snapshot)
    app = create_app(
        {
            "TESTING": True,
            "TRUST_LIST": str(panel_home.home.trust_list_path),
            "SNAPSHOT": str(tmp_path / "status.cecs"),
        },
        instance_path=str(make_instance(tmp_path / "instance")),
    )
    app.test_client_class = LoginClient
    client = app.test_client()
    log_in(client)
    data = FORM | {
        "qr": "\n".join(d.payload for d in panel_home.documents),
        "title_date": TITLE_DATE.isoformat(),
    }
    page = client.post("/panel", data=data).get_data(as_text=True)
    assert page_verdicts(page) == EXPECTED
    shown = f"{as_of.astimezone(CHINA_TZ):%Y-%m-%d %H:%M} 北京时间"
    assert f"签名状态快照，数据截至 {shown}（签发地区 {CONFIG.region}）" in page


FIRST_SCHEMA = """
CREATE TABLE accounts (
    username TEXT PRIMARY KEY, role TEXT NOT NULL, password_hash TEXT NOT NULL,
    created_at TEXT NOT NULL, password_changed_at TEXT NOT NULL
);
CREATE TABLE sessions (
    id TEXT PRIMARY KEY,
    username TEXT NOT NULL REFERENCES accounts(username) ON DELETE CASCADE,
    created_at TEXT NOT NULL, expires_at TEXT NOT NULL
);
CREATE TABLE lookups (
    id INTEGER PRIMARY KEY, at TEXT NOT NULL, username TEXT NOT NULL, role TEXT NOT NULL,
    action TEXT NOT NULL, id_number_hmac TEXT, certificates INTEGER NOT NULL
);
"""
"""The accounts file as the first release wrote it (schema version 0)."""


def test_an_audit_log_of_the_first_schema_is_kept_and_brought_up_to_date(
    panel_home: PanelHome, tmp_path: Path
) -> None:
    instance = tmp_path / "instance"
    instance.mkdir(mode=0o700)
    ensure_secret_key(instance)
    path = instance / "accounts.sqlite"
    with contextlib.closing(sqlite3.connect(path)) as db, db:
        db.executescript(FIRST_SCHEMA)
        at = "2025-03-01T02:00:00+00:00"
        db.execute(
            "INSERT INTO accounts VALUES ('panel', 'panel', ?, ?, ?)",
            (generate_password_hash(PASSWORD, method="scrypt"), at, at),
        )
        db.execute(
            "INSERT INTO lookups (at, username, role, action, id_number_hmac, certificates)"
            " VALUES (?, 'panel', 'panel', 'report', NULL, 6)",
            (at,),
        )
    path.chmod(0o600)
    app = create_app(
        {
            "TESTING": True,
            "TRUST_LIST": str(panel_home.home.trust_list_path),
            "REGISTRY": str(panel_home.home.registry_path),
        },
        instance_path=str(instance),
    )
    app.test_client_class = LoginClient
    client = app.test_client()
    assert log_in(client).status_code == 302
    page = client.post("/panel", data=FORM | {"id_number": CANDIDATE_ID}).get_data(as_text=True)
    old, new = audit_log(client)
    assert (old.action, old.certificates, old.report_digest) == ("report", 6, None)
    assert new.report_digest == page_digest(page).replace(" ", "")
    with contextlib.closing(sqlite3.connect(path)) as db:
        assert db.execute("PRAGMA user_version").fetchone() == (SCHEMA_VERSION,)


# --- labels, problems and narrow screens ----------------------------------------------------


class Fields(HTMLParser):
    """The form fields of a page, their labels, and the problems listed at its top."""

    def __init__(self) -> None:
        super().__init__()
        self.fields: dict[str, str] = {}
        """id → tag of every field a person fills in (no hidden fields, no buttons)."""
        self.labelled: set[str] = set()
        self.ids: set[str] = set()
        self.alert_links: list[str] = []
        self._alert_depth = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        attributes = dict(attrs)
        if attributes.get("id"):
            self.ids.add(str(attributes["id"]))
        if self._alert_depth:
            self._alert_depth += tag not in {"input", "br"}
            if tag == "a":
                self.alert_links.append(str(attributes.get("href")))
        elif attributes.get("role") == "alert":
            self._alert_depth = 1
        if tag == "label" and attributes.get("for"):
            self.labelled.add(str(attributes["for"]))
        if tag in {"input", "select", "textarea"} and attributes.get("type") not in {
            "hidden",
            "submit",
        }:
            self.fields[str(attributes.get("id"))] = tag

    def handle_endtag(self, tag: str) -> None:
        if self._alert_depth:
            self._alert_depth -= 1


def test_every_field_has_a_label_and_every_problem_names_its_field(
    client: FlaskClient, panel_home: PanelHome
) -> None:
    pdf = Path(panel_home.documents[0].pdf_path).read_bytes()
    data = {"evaluation_date": "x", "files": [(BytesIO(pdf), "a.pdf")]}
    page = client.post("/panel", data=data, content_type="multipart/form-data")
    parsed = Fields()
    parsed.feed(page.get_data(as_text=True))
    assert {"qr", "files", "drop_upload_0", "id_number", "level", "rule"} <= set(parsed.fields)
    assert {"evaluation_date", "title_date", "direct", "digest"} <= set(parsed.fields)
    assert set(parsed.fields) <= parsed.labelled
    assert parsed.alert_links == ["#level", "#rule", "#evaluation_date"]
    assert all(link[1:] in parsed.ids for link in parsed.alert_links)
    assert 'aria-invalid="true"' in select_of(page.get_data(as_text=True), "level")
    drop_label = re.search(r'<label for="drop_upload_0".*?</label>', page.get_data(as_text=True))
    assert drop_label
    assert "不再核查" in drop_label.group(0)
    assert "a.pdf" in drop_label.group(0)  # said to screen readers too


def test_the_report_tables_carry_labels_for_stacked_rows(client: FlaskClient) -> None:
    page = client.post("/panel", data=FORM | {"id_number": CANDIDATE_ID}).get_data(as_text=True)
    for row in re.findall(r'<tr class="year year-.*?</tr>', page, re.DOTALL):
        cells = re.findall(r"<td[^>]*>", row)
        assert len(cells) == 8
        assert all("data-label=" in cell for cell in cells[2:])
    css = (ROOT / "verifier/web/static/style.css").read_text()
    block = re.sub(r"/\*.*?\*/", "", css[css.index("/* panel pages (/panel)") :], flags=re.DOTALL)
    selectors = re.findall(r"(?:^|[}\n])\s*([^{}@/\s][^{}]*)\{", block)
    assert selectors
    assert all(
        part.strip().startswith(".panel") for group in selectors for part in group.split(",")
    )
    assert "overflow-wrap: anywhere" in block


# --- in a real browser --------------------------------------------------------------------


@pytest.fixture(scope="module")
def panel_server(panel_home: PanelHome, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """``cecert serve`` on the scenario's home, with the panel account in its instance folder.
    Requested before ``browser``, so the browser quits first and leaves no idle connection
    for the server to wait on when it stops."""
    instance = make_instance(tmp_path_factory.mktemp("instance") / "instance")
    with serving(panel_home.home.root, "--workers", "1", "--instance", str(instance)) as base:
        yield base


def log_in_browser(browser: webdriver.Chrome, base: str, target: str) -> None:
    """Open ``target`` and log in as the panel account on the login page it leads to."""
    browser.get(base + target)
    browser.find_element(By.NAME, "username").send_keys("panel")
    browser.find_element(By.NAME, "password").send_keys(PASSWORD)
    form = browser.find_element(By.CSS_SELECTOR, "form.login-form")
    form.find_element(By.CSS_SELECTOR, "button[type=submit]").click()
    WebDriverWait(browser, 20).until(page_replaced(form))


@needs_browser
def test_panel_page_in_a_real_browser(
    panel_server: str, browser: webdriver.Chrome, panel_home: PanelHome, tmp_path: Path
) -> None:
    log_in_browser(browser, panel_server, "/panel")
    assert "职称评审核查" in browser.title
    paths = [d.pdf_path for d in panel_home.documents]
    browser.find_element(By.NAME, "files").send_keys("\n".join(paths))
    Select(browser.find_element(By.NAME, "level")).select_by_value("senior")
    Select(browser.find_element(By.NAME, "rule")).select_by_value(RULE)
    for name, value in (("evaluation_date", EVALUATION_DATE), ("title_date", TITLE_DATE)):
        # A date input's typing order follows the browser's locale: set the value instead.
        field = browser.find_element(By.NAME, name)
        browser.execute_script("arguments[0].value = arguments[1]", field, value.isoformat())
    form = browser.find_element(By.CSS_SELECTOR, "form.panel-form")
    form.find_element(By.CSS_SELECTOR, "button[type=submit]").click()
    WebDriverWait(browser, 20).until(page_replaced(form))
    table = WebDriverWait(browser, 20).until(
        expected_conditions.presence_of_element_located((By.CSS_SELECTOR, "table.years"))
    )
    shown = {}
    for row in table.find_elements(By.CSS_SELECTOR, "tbody tr"):
        year = row.find_element(By.CLASS_NAME, "year-number").text
        shown[int(year)] = row.find_element(By.CLASS_NAME, "year-verdict").text.split()[0]
    assert shown == {year: verdict.label_zh for year, verdict in EXPECTED.items()}
    assert "结论：不符合" in browser.find_element(By.CSS_SELECTOR, ".conclusion").text
    assert CANDIDATE_NAME in browser.find_element(By.CSS_SELECTOR, ".report-head").text
    # "下载PDF" re-posts everything presented: the six files ride along, Base64-encoded.
    assert len(browser.find_elements(By.CSS_SELECTOR, "input[name=upload_data]")) == 6
    printed = tmp_path / "printed.pdf"
    printed.write_bytes(
        base64.b64decode(
            browser.execute_cdp_cmd(
                "Page.printToPDF", {"preferCSSPageSize": True, "printBackground": True}
            )["data"]
        )
    )
    info = subprocess.run(["pdfinfo", str(printed)], check=True, capture_output=True, text=True)
    assert "(A4)" in info.stdout  # @page { size: A4 }
    printed_text = pdftotext(printed.read_bytes(), tmp_path)
    assert "下载PDF" not in printed_text  # the buttons and the site header are not printed
    assert "专业技术人员继续教育证书验证" not in printed_text
    assert "不符合" in printed_text
    height = browser.execute_script("return document.documentElement.scrollHeight")
    browser.set_window_size(1100, int(height) + 40)
    browser.save_screenshot(str(tmp_path / "panel-report.png"))
    shutil.copy(tmp_path / "panel-report.png", "/tmp/panel-report.png")
