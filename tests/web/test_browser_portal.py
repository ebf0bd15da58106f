"""The portal's acceptance journey in a real Chromium, walked on a 360 px phone, every page
also looked at on a 1280 px desk, against real servers: `cecert portal serve` on a private
copy of the issued home (its accounts in ``<home>/portal``, the bureau's and the health
authority's made with `cecert accounts add`), `cecert issue --requests` where the keys are,
and `cecert serve`, the public verifier.

An employer registers and the district bureau approves it; a professional (卫生技术, so the
rules send their professional records to the health authority) registers and the employer
approves; they declare a year's three records with proof files (a PDF, a PNG); the employer
returns one with a reason, the person reads it, corrects and resubmits the record; the
employer approves all, the bureau confirms the public and re-checks the elective record, the
health authority confirms the professional one; the person sees the year met and applies;
the employer and the bureau approve; the signer issues; the person downloads the PDF and the
verifier says it is genuine and the hours met. Everything but the signer through the browser.

Every page on the way is screenshotted (``portal-<width>-<step>.png``, also into
``$CECERT_SCREENSHOTS``), must not scroll sideways, and must give axe-core no WCAG 2.1 A/AA
violation of any impact. What is wrong is collected along the journey and reported at its
end, every page's findings at once:

    CECERT_SCREENSHOTS=/tmp/portal-shots .venv/bin/pytest tests/web/test_browser_portal.py
"""

from __future__ import annotations

import datetime as dt
import time
import urllib.request
from dataclasses import dataclass
from pathlib import Path

import pytest
from PIL import Image
from selenium.webdriver.common.by import By

from registry import CHINA_TZ
from registry.idnumber import mod11_2_check
from registry.portal import check_character
from tests.conftest import PASSPHRASE, IssuedHome, needs_browser, serving
from tests.support.cli import run
from tests.support.portal import PASSWORD, png
from tests.support.portal_browser import Journey, add_account, portal_serving

pytestmark = needs_browser

YEAR = dt.datetime.now(CHINA_TZ).year - 1
"""The year the person completes: the portal's default (last year), as it runs on the clock."""
CODE = "91440106MA5CQ7RX1" + check_character("91440106MA5CQ7RX1")
EMPLOYER = "广州市天河区第三人民医院"
PERSON = "44010619880808452" + mod11_2_check("44010619880808452")
"""Nobody the issued home's registry knows."""
NAME = "林晓岚"
BUREAU, AUTHORITY, HOSPITAL, ME = "tianhe", "health", "sanyuan", "linxl"
"""The user names: the district bureau, the health authority, the employer, the person."""
PUBLIC = "公需科目：数字经济与创新发展"
PROFESSIONAL = "临床诊疗规范进修班"
ELECTIVE = "医院管理专题讲座"
RETURN_REASON = "结业证书写明 42 学时，申报为 40 学时，请核对学时并补充结业证书 PDF。"


@dataclass(frozen=True)
class Proofs:
    pdf: Path
    png: Path


@pytest.fixture
def proofs(tmp_path: Path) -> Proofs:
    """A real one-page PDF (A4, drawn by Pillow) and a real PNG, as a phone's files."""
    folder = tmp_path / "files"
    folder.mkdir()
    pdf = folder / "结业证书.pdf"
    Image.new("RGB", (595, 842), (255, 255, 255)).save(pdf, "PDF", resolution=72)
    assert pdf.read_bytes().startswith(b"%PDF-")
    picture = folder / "学时证明.png"
    picture.write_bytes(png())
    return Proofs(pdf, picture)


def test_the_portal_journey(
    fresh_home: IssuedHome, journey: Journey, proofs: Proofs, tmp_path: Path
) -> None:
    started = time.monotonic()
    times: dict[str, float] = {}

    def lap(name: str) -> None:
        times[name] = time.monotonic() - started - sum(times.values())

    home = fresh_home.home.root
    add_account(home, BUREAU, "bureau", "440106")
    add_account(home, AUTHORITY, "authority", "health")
    lap("accounts")
    log = tmp_path / "portal.log"
    with portal_serving(home, log) as portal:
        lap("portal up")
        register_employer(journey, portal)
        lap("1. employer")
        register_professional(journey, portal)
        lap("2. professional")
        declare_records(journey, portal, proofs)
        lap("3. declare")
        return_and_resubmit(journey, portal, proofs)
        lap("4. return, resubmit")
        confirm_records(journey, portal)
        lap("5. confirm")
        apply_and_approve(journey, portal)
        lap("6. apply, approve")

        issued = run("issue", "--requests", env={"CECERT_PASSPHRASE": PASSPHRASE.decode()},
                     home=home)  # fmt: skip
        assert issued.returncode == 0, issued.stderr
        assert "签发 1 件" in issued.stdout, issued.stdout
        lap("7. signer")

        pdf = download_certificate(journey, portal, tmp_path)
        lap("8. download")
    assert "Traceback" not in log.read_text("utf-8"), log.read_text("utf-8")
    assert pdf.read_bytes() == (home / "certificates" / str(YEAR) / pdf.name).read_bytes()
    with serving(home, "--workers", "1") as verifier:
        lap("verifier up")
        verify_on_the_verifier(journey, verifier, pdf)
    lap("9. verify")

    print(
        f"\n{len(journey.looked)} pages, each looked at on {' and '.join(journey.screens)}; "
        f"axe-core {journey.axe_seconds:.1f} s; total {sum(times.values()):.1f} s: "
        + ", ".join(f"{k} {v:.1f} s" for k, v in times.items())
    )
    for shot in journey.shots:
        print(f"  {shot.name}")
    findings = "\n".join(str(f) for f in journey.findings)
    assert not journey.findings, (
        f"{len(journey.findings)} accessibility or layout findings:\n" + findings
    )


# -- 1. the employer registers; the district bureau approves it ---------------------------------


def register_employer(j: Journey, portal: str) -> None:
    j.open(portal + "/")
    j.look("01-home")
    j.press_text("单位注册", "header")
    j.look("02-register-employer")
    j.type("name", EMPLOYER)
    j.type("credit_code", CODE)
    j.type("region", "440106")
    new_login(j, HOSPITAL)
    j.press_text("提交注册")
    assert "单位注册已提交，待人社局审核" in j.main()
    j.look("03-employer-registered")

    j.log_in(portal, BUREAU, step="04-login")
    assert j.browser.current_url.endswith("/review/")
    assert "1 家待审核" in j.main()
    j.look("05-bureau-workbench")
    j.press_text("单位注册审核")
    assert CODE in j.main()
    j.look("06-bureau-employers")
    j.press(j.browser.find_element(By.CSS_SELECTOR, f"button[aria-label='通过 {EMPLOYER}']"))
    assert f"已通过“{EMPLOYER}”的注册" in j.flash()
    j.look("07-bureau-employer-approved")
    j.log_out()


def new_login(j: Journey, username: str) -> None:
    j.type("username", username)
    j.type("password", PASSWORD)
    j.type("password2", PASSWORD)


# -- 2. the professional registers; the employer approves ----------------------------------------


def register_professional(j: Journey, portal: str) -> None:
    j.open(portal + "/")
    j.press_text("个人注册", "header")
    j.look("08-register-professional")
    j.type("id_number", PERSON)
    j.type("name", NAME)
    j.choose("employer", CODE)
    j.choose("series", "卫生技术")
    j.choose("level", "intermediate")
    j.date("title_date", "2016-07-01")
    new_login(j, ME)
    j.press_text("提交注册")
    assert "个人注册已提交，待用人单位审核" in j.main()
    j.look("09-professional-registered")

    j.log_in(portal, ME)
    assert f"须经用人单位（{EMPLOYER}）审核通过后才能申报学时" in j.main()
    j.look("10-professional-pending")
    j.log_out()

    j.log_in(portal, HOSPITAL)
    assert EMPLOYER in j.main()
    assert "1 人待审核" in j.main()
    j.look("11-employer-workbench")
    j.press_text("职工注册审核")
    assert PERSON in j.main()
    j.look("12-employer-staff")
    j.press(j.browser.find_element(By.CSS_SELECTOR, f"button[aria-label='通过 {NAME}']"))
    assert f"已通过{NAME}的注册" in j.flash()
    j.look("13-employer-staff-approved")
    j.log_out()


# -- 3. three records with their proofs ---------------------------------------------------------


def declare_records(j: Journey, portal: str, proofs: Proofs) -> None:
    j.log_in(portal, ME)
    assert f"{YEAR} 年度：尚未完成学时要求" in j.main()
    j.look("14-year-empty")
    records = (
        ("public", "online_course", PUBLIC, "广东省专业技术人员继续教育平台",
         f"{YEAR}-03-01", f"{YEAR}-03-20", "18", (proofs.pdf,)),
        ("professional", "face_to_face", PROFESSIONAL, "广州市卫生健康委员会",
         f"{YEAR}-06-02", f"{YEAR}-06-08", "40", (proofs.png,)),
        ("elective", "lecture", ELECTIVE, "广州市医院协会",
         f"{YEAR}-09-10", f"{YEAR}-09-11", "12", (proofs.png, proofs.pdf)),
    )  # fmt: skip
    for index, (category, kind, title, provider, start, end, hours, files) in enumerate(records):
        j.press_text("申报学时", "header")
        j.choose("year", str(YEAR))
        j.choose("category", category)
        j.choose("kind", kind)
        j.type("title", title)
        j.type("provider", provider)
        j.date("start_date", start)
        j.date("end_date", end)
        j.type("hours", hours)
        j.attach("proofs", *files)
        if index == 0:
            j.look("15-declare-filled")
        j.press_text("提交申报")
        assert f"“{title}”已提交，待单位初审" in j.flash()
    text = j.main()
    for _category, _kind, title, *_rest in records:
        assert title in text
    assert text.count("用人单位") >= 3  # each waits for the employer
    j.look("16-year-declared")
    j.log_out()


# -- 4. the employer returns one; the person corrects and resubmits it ---------------------------


def return_and_resubmit(j: Journey, portal: str, proofs: Proofs) -> None:
    j.log_in(portal, HOSPITAL)
    j.press_text("学时记录审核")
    text = j.main()
    for shown in (PUBLIC, PROFESSIONAL, ELECTIVE, "学时证明.png", "结业证书.pdf"):
        assert shown in text
    j.look("17-employer-records")
    j.tick(PROFESSIONAL)
    j.type("reason", RETURN_REASON)
    j.press(j.browser.find_element(By.CSS_SELECTOR, "button[name=decision][value=return]"))
    assert "已退回 1 条记录" in j.flash()
    assert PROFESSIONAL not in j.main()
    j.look("18-employer-record-returned")
    j.log_out()

    j.log_in(portal, ME)
    text = j.main()
    assert f"退回理由：{RETURN_REASON}" in text
    j.look("19-year-returned")
    j.press_text("修改后重新提交")
    assert f"退回理由：{RETURN_REASON}" in j.main()
    assert j.browser.find_element(By.ID, "hours").get_attribute("value") == "40"
    j.look("20-edit-returned")
    j.type("hours", "42")
    j.attach("proofs", proofs.pdf)
    j.press_text("重新提交")
    assert f"“{PROFESSIONAL}”已重新提交，待单位初审" in j.flash()
    j.look("21-year-resubmitted")
    j.log_out()


# -- 5. the employer approves all; the bureau and the health authority confirm -------------------


def confirm_records(j: Journey, portal: str) -> None:
    j.log_in(portal, HOSPITAL)
    j.press_text("学时记录审核")
    text = j.main()
    assert "42 学时" in text  # the corrected hours, written as on the person's page
    j.tick()
    j.look("22-employer-records-ticked")
    j.press(j.browser.find_element(By.CSS_SELECTOR, "button[name=decision][value=approve]"))
    assert "已通过 3 条记录" in j.flash()
    assert "目前没有等待您处理的学时记录" in j.main()
    j.look("23-employer-records-done")
    j.log_out()

    # The rules route them: public and elective to the bureau, professional (卫生) to health.
    j.log_in(portal, BUREAU)
    j.press_text("学时记录认定与复核")
    text = j.main()
    assert PUBLIC in text
    assert ELECTIVE in text
    assert PROFESSIONAL not in text
    j.look("24-bureau-records")
    j.tick()
    j.press(j.browser.find_element(By.CSS_SELECTOR, "button[name=decision][value=approve]"))
    assert "已通过 2 条记录" in j.flash()
    j.look("25-bureau-records-done")
    j.log_out()

    j.log_in(portal, AUTHORITY)
    assert "1 条待处理" in j.main()
    j.look("26-authority-workbench")
    j.press_text("学时记录认定")
    text = j.main()
    assert PROFESSIONAL in text
    assert PUBLIC not in text
    assert ELECTIVE not in text
    j.look("27-authority-records")
    j.tick(PROFESSIONAL)
    j.press(j.browser.find_element(By.CSS_SELECTOR, "button[name=decision][value=approve]"))
    assert "已通过 1 条记录" in j.flash()
    j.look("28-authority-records-done")
    j.log_out()


# -- 6. the year is met: the person applies; the employer and the bureau approve -----------------


def apply_and_approve(j: Journey, portal: str) -> None:
    j.log_in(portal, ME)
    text = j.main()
    assert f"{YEAR} 年度：已完成学时要求" in text
    assert "合计计入 72 学时，要求 72 学时" in text
    j.look("29-year-met")
    j.press_text(f"申请 {YEAR} 年度证书")
    assert "已提交，待单位审核" in j.main()
    j.look("30-applied")
    j.log_out()

    j.log_in(portal, HOSPITAL)
    j.press_text("证书申请审核")
    assert "学时已达标" in j.main()
    j.look("31-employer-applications")
    j.tick(NAME)
    j.press(j.browser.find_element(By.CSS_SELECTOR, "button[name=decision][value=approve]"))
    assert "目前没有等待您审核的证书申请" in j.main()
    j.look("32-employer-applications-done")
    j.log_out()

    j.log_in(portal, BUREAU)
    assert "1 份待审核" in j.main()
    j.press_text("证书申请审核")
    assert NAME in j.main()
    j.look("33-bureau-applications")
    j.tick(NAME)
    j.press(j.browser.find_element(By.CSS_SELECTOR, "button[name=decision][value=approve]"))
    assert "目前没有等待您审核的证书申请" in j.main()
    j.look("34-bureau-applications-done")
    j.log_out()


# -- 8. the person downloads the certificate -----------------------------------------------------


def download_certificate(j: Journey, portal: str, tmp_path: Path) -> Path:
    j.log_in(portal, ME)
    j.press_text("我的申请", "header")
    text = j.main()
    assert "证书编号" in text
    j.look("35-applications-issued")
    j.press_text("我的证书", "header")
    text = j.main()
    assert f"{YEAR} 年度 · " in text
    j.look("36-certificates")
    link = j.browser.find_element(By.CSS_SELECTOR, "main a[download][href$='.pdf']")
    href = str(link.get_attribute("href"))
    request = urllib.request.Request(href, headers={"Cookie": j.cookies()})
    with urllib.request.urlopen(request, timeout=30) as response:
        assert response.status == 200
        assert response.headers["Content-Type"] == "application/pdf"
        assert response.headers["Content-Disposition"].startswith("attachment")
        data = response.read()
    assert data.startswith(b"%PDF-"), data[:20]
    number, edition = href.removesuffix(".pdf").rsplit("/", 2)[-2:]
    pdf = tmp_path / f"{number}-{edition}.pdf"  # as the home names it
    pdf.write_bytes(data)
    # Without the session the same link leads to the login page, not to the PDF.
    with urllib.request.urlopen(href, timeout=30) as anonymous:
        assert "/login" in anonymous.url
        assert not anonymous.read().startswith(b"%PDF")
    j.log_out()
    return pdf


# -- 9. the public verifier ---------------------------------------------------------------------


def verify_on_the_verifier(j: Journey, verifier: str, pdf: Path) -> None:
    j.open(verifier + "/")
    j.look("37-verifier-upload")
    j.attach("file", pdf)
    form = j.browser.find_element(By.CSS_SELECTOR, "main form")
    j.press(form.find_element(By.CSS_SELECTOR, "button[type=submit]"))
    verdict = j.browser.find_element(By.CSS_SELECTOR, ".verdict").text
    assert "验证结果：有效" in verdict, verdict
    assert "证书真实有效 · 学时达标" in verdict, verdict
    assert f"{NAME} · {YEAR}年度 · 合计 72 学时" in verdict, verdict
    assert "学时判定：达标" in j.browser.find_element(By.CSS_SELECTOR, ".hours").text
    j.look("38-verifier-result")
