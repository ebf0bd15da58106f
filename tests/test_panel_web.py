"""The panel page and its PDF: through the Flask test client, then in a real browser.

The acceptance scenario is tests/panelhome.py; looking at ``/tmp/panel-report.png`` and
``/tmp/panel-report-pdf.png``, which these tests write, is the check by eye.
"""

from __future__ import annotations

import base64
import html
import re
import shutil
import subprocess
from collections.abc import Iterator
from io import BytesIO
from pathlib import Path

import pytest
from flask import Flask
from flask.testing import FlaskClient
from selenium import webdriver
from selenium.webdriver.common.by import By
from selenium.webdriver.support import expected_conditions
from selenium.webdriver.support.ui import Select, WebDriverWait

from registry.titles.model import YearVerdict
from tests.conftest import needs_browser, page_replaced, serving
from tests.logins import PASSWORD, LoginClient, log_in, make_instance
from tests.panelhome import (
    CANDIDATE_ID,
    CANDIDATE_NAME,
    EVALUATION_DATE,
    RULE,
    SHORT_YEAR,
    TITLE_DATE,
    YEARS,
    PanelHome,
)
from verifier.web import create_app

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
    """A client logged in as the panel account (tests/test_accounts.py tests the login)."""
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


def test_form_offers_every_rule_and_the_id_number_with_a_registry(
    client: FlaskClient, panel_home: PanelHome
) -> None:
    page = client.get("/panel")
    text = page.get_data(as_text=True)
    assert page.status_code == 200
    assert "default-src 'self'" in page.headers["Content-Security-Policy"]
    for rule in ("foshan-gaoming-2015", "shaoguan-2019", "guangzhou-cycle-2016", "ah-guangde-2020"):
        assert f'value="{rule}"' in text
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
    hidden: dict[str, list[str]] = {}
    for name, value in _HIDDEN.findall(page.get_data(as_text=True)):
        hidden.setdefault(name, []).append(html.unescape(value))
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
