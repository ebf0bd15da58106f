"""The scanning page ``/scan`` in a real headless Chromium: verified in the page, offline.

The server is the real ``cecert serve`` with a signed snapshot. The page is loaded once, its
service worker caches everything, the server is **stopped**, the page is reloaded and still
verifies a photo of a real certificate's QR code (有效) and refuses a tampered one. Every
status vector (``tests/vectors/status-vectors.json``) goes through the in-page verifier,
which must reach the expected verdict and reasons, check for check like the Python verifier.
"""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import json
import random
import subprocess
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from PIL import Image
from selenium import webdriver
from selenium.webdriver.common.by import By
from selenium.webdriver.support.ui import WebDriverWait

from keys import parse_trust_list
from keys.private import open_key_ring
from registry.errors import RegistryError
from registry.hours import builtin_policies
from registry.model import TitleLevel
from registry.payload import PREFIX
from registry.payload.base45 import ALPHABET, b45decode, b45encode
from registry.payload.text import MAX_TEXT
from registry.store import Registry
from signer.document.qr_code import qr_matrix
from signer.status.snapshots import export_snapshot
from tests.conftest import PASSPHRASE, IssuedHome, chromium, needs_browser, serving
from tests.support.browser import run_async, wait_page
from tests.support.paths import VECTORS_DIR
from tests.support.payloads import tampered_text
from tests.support.status_vectors import VECTORS, utc, vector_snapshot, vector_trust
from verifier import Verifier
from verifier.web import create_app


@pytest.fixture(scope="module")
def snapshot_file(issued_home: IssuedHome, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A signed snapshot of the issued home's registry, as of now (the page checks its age
    against the browser's clock)."""
    home = issued_home.home
    ring = open_key_ring(home.keys_dir, passphrase=PASSPHRASE)
    with Registry.open(home.registry_path, read_only=True) as registry:
        data = export_snapshot(registry, ring, home.config(), at=dt.datetime.now(dt.UTC))
    path = tmp_path_factory.mktemp("snapshot") / "status.cecs"
    path.write_bytes(data)
    return path


def qr_png(text: str, path: Path, *, module: int = 6) -> Path:
    """The QR code of ``text`` as the certificates print it (level M), as a PNG."""
    matrix = qr_matrix(text)
    size = len(matrix) + 8
    image = Image.new("L", (size, size), 255)
    for y, row in enumerate(matrix):
        for x, dark in enumerate(row):
            if dark:
                image.putpixel((x + 4, y + 4), 0)
    image.resize((size * module, size * module), Image.Resampling.NEAREST).save(path)
    return path


def page_pdf_png(pdf: Path, out: Path) -> Path:
    """The whole certificate page, rendered at 110 dpi: a scan, QR code and all."""
    subprocess.run(["pdftoppm", "-r", "110", "-png", "-singlefile", str(pdf), str(out)], check=True)
    return out.with_suffix(".png")


# ---- what the server gives the page -------------------------------------------------------


def test_the_offline_routes_serve_the_configured_files(
    issued_home: IssuedHome, snapshot_file: Path
) -> None:
    trust_path = issued_home.home.trust_list_path
    app = create_app({"TRUST_LIST": str(trust_path), "SNAPSHOT": str(snapshot_file)})
    client = app.test_client()

    assert client.get("/offline/trust.json").data == trust_path.read_bytes()
    assert client.get("/offline/snapshot").data == snapshot_file.read_bytes()
    worker = client.get("/sw.js")
    assert worker.status_code == 200
    assert worker.mimetype == "text/javascript"
    assert worker.headers["Service-Worker-Allowed"] == "/"
    page = client.get("/scan")
    html = page.get_data(as_text=True)
    assert f'data-root-sha256="{issued_home.trust.signed_by}"' in html
    assert 'data-max-age-days="30"' in html
    # Only external scripts: the CSP forbids inline ones.
    assert html.count("<script") == html.count("<script src=") + html.count(
        '<script type="module" src='
    )
    policy = page.headers["Content-Security-Policy"]
    assert "script-src 'self';" in policy
    assert "worker-src 'self';" in policy
    assert "frame-ancestors 'none'" in policy
    assert "unsafe-inline" not in policy
    assert page.headers["X-Content-Type-Options"] == "nosniff"
    assert "/scan" in client.get("/").get_data(as_text=True)


def test_no_snapshot_is_a_404(issued_home: IssuedHome) -> None:
    app = create_app({"TRUST_LIST": str(issued_home.home.trust_list_path)})
    assert app.test_client().get("/offline/snapshot").status_code == 404


def test_the_policy_minimums_are_the_policies() -> None:
    app = create_app({"TRUST_LIST": str(VECTORS_DIR / VECTORS["trust_list"])})
    served = app.test_client().get("/offline/policies.json").get_json()
    assert served["version"] == 2
    assert set(served["policies"]) == set(builtin_policies())
    levels = (TitleLevel.JUNIOR, TitleLevel.INTERMEDIATE, TitleLevel.SENIOR)
    for policy_id, policy in builtin_policies().items():
        entry = served["policies"][policy_id]
        assert entry["annual"] is policy.annual
        assert entry["from_year"] == policy.effective_from.year
        last = policy.effective_to.year if policy.effective_to else None
        assert entry["until_year"] == last
        if not policy.annual:
            assert entry["periods"] == []
            continue
        for period in entry["periods"]:
            for year in {period["from_year"], period["until_year"] or 2100}:
                for level, minimums in zip(levels, period["levels"], strict=True):
                    required = policy.requirement_for(level, year)
                    assert minimums["level"] == level.value
                    assert minimums["total"] == required.total
                    assert minimums["categories"] == [
                        [c.value, m] for c, m in required.minimums.items()
                    ]
                    assert minimums["clause"] == required.key
    assert served["status_reasons_zh"]["reissue_lost"] == "遗失补办"


def test_the_vendored_decoder_is_the_recorded_one() -> None:
    vendor = Path(create_app.__code__.co_filename).parent / "static" / "vendor"
    readme = (vendor / "README.md").read_text("utf-8")
    digest = hashlib.sha256((vendor / "jsQR.js").read_bytes()).hexdigest()
    assert digest in readme
    assert (vendor / "jsQR.LICENSE").read_text("utf-8").lstrip().startswith("Apache License")


def wait_offline_ready(browser: webdriver.Chrome) -> None:
    def ready(driver: webdriver.Chrome) -> bool:
        return bool(
            run_async(
                driver,
                "window.cecertScan.offlineReady().then(done, () => done(false));",
            )
        )

    WebDriverWait(browser, 30, poll_frequency=0.3).until(ready)


def verdict_after_upload(browser: webdriver.Chrome, image: Path) -> str:
    browser.execute_script("document.getElementById('result').replaceChildren()")
    browser.find_element(By.ID, "file").send_keys(str(image))
    WebDriverWait(browser, 30).until(
        lambda d: d.find_elements(By.CSS_SELECTOR, "#result .verdict h2, #result .error")
    )
    text: str = browser.find_element(By.ID, "result").text
    return text


@needs_browser
def test_loaded_once_then_offline_verifies_a_scan_and_refuses_a_tampered_code(
    browser: webdriver.Chrome,
    issued_home: IssuedHome,
    snapshot_file: Path,
    tmp_path: Path,
) -> None:
    document = issued_home.documents[0]
    scan = page_pdf_png(issued_home.pdf(document), tmp_path / "scan")
    tampered = qr_png(tampered_text(document.payload), tmp_path / "tampered.png")

    with serving(issued_home.home.root, "--workers", "1", "--snapshot", str(snapshot_file)) as base:
        browser.get(base + "/scan")
        wait_page(browser)
        wait_offline_ready(browser)
    # The server is stopped: nothing answers on its port any more.
    with pytest.raises(urllib.error.URLError):
        urllib.request.urlopen(base + "/scan", timeout=2)

    browser.refresh()
    wait_page(browser)
    assert "登记状态截至" in browser.find_element(By.ID, "data").text

    result = verdict_after_upload(browser, scan)
    assert "验证结果：有效" in result, result
    assert document.number in result
    assert "本机核验" in result

    result = verdict_after_upload(browser, tampered)
    assert "验证结果：无效" in result, result
    assert "二维码内容被改动或不是发证机关签发" in result
    assert "bad_signature" not in result  # the code only in the collapsed details
    assert document.number not in result, "unauthenticated content must not be shown"
    browser.save_screenshot(str(tmp_path / "offline-tampered.png"))


@needs_browser
def test_paste_box_verifies_in_the_page(
    browser: webdriver.Chrome, issued_home: IssuedHome, snapshot_file: Path
) -> None:
    document = issued_home.documents[1]
    with serving(issued_home.home.root, "--workers", "1", "--snapshot", str(snapshot_file)) as base:
        browser.get(base + "/scan")
        wait_page(browser)
        browser.find_element(By.ID, "qr").send_keys(document.payload)
        browser.find_element(By.CSS_SELECTOR, "#paste button[type=submit]").click()
        WebDriverWait(browser, 20).until(
            lambda d: d.find_elements(By.CSS_SELECTOR, "#result .verdict h2")
        )
        result = browser.find_element(By.ID, "result").text
    assert "验证结果：有效" in result
    assert document.number in result
    assert "登记状态截至" in result
    assert "registry.status" not in result
    technical = browser.find_element(By.CSS_SELECTOR, "#result details.technical")
    technical.find_element(By.TAG_NAME, "summary").click()
    assert "registry.status" in technical.text


def python_report(case: dict[str, Any]) -> dict[str, Any]:
    trust = vector_trust()
    verifier = Verifier(trust, status=vector_snapshot(trust))
    at = utc(case.get("verification_time", VECTORS["verification_time"]))
    return verifier.verify_text(case["text"], at=at).to_json()


@needs_browser
def test_every_status_vector_agrees_in_the_page(
    browser: webdriver.Chrome, issued_home: IssuedHome
) -> None:
    cases = VECTORS["cases"]
    with serving(issued_home.home.root, "--workers", "1") as base:
        browser.get(base + "/scan")
        wait_page(browser)
        reports = []
        for case in cases:
            at = case.get("verification_time", VECTORS["verification_time"])
            argument = vector_argument([case["text"]], at)
            reports.append(
                run_async(
                    browser,
                    "window.cecertScan.verifyWith(arguments[0]).then(r => done(r[0]), "
                    "e => done({error: String(e), reason: e.reason}));",
                    argument,
                )
            )
    mismatches = []
    for case, page in zip(cases, reports, strict=True):
        python = python_report(case)
        expected = (case["expected_verdict"], case["expected_reasons"])
        if (page.get("verdict"), page.get("reasons")) != expected:
            mismatches.append((case["name"], "expected", expected, "page", page))
            continue
        page_checks = [(c["name"], c["status"], c.get("reason")) for c in page["checks"]]
        python_checks = [(c["name"], c["status"], c.get("reason")) for c in python["checks"]]
        if page_checks != python_checks or page["certificate"] != python["certificate"]:
            mismatches.append((case["name"], "python", python, "page", page))
            continue
        # The same words, except where Python quotes its CBOR library's own error message.
        details = [c["detail"] for c in page["checks"] if c.get("reason") != "bad_cbor"]
        if details != [c["detail"] for c in python["checks"] if c.get("reason") != "bad_cbor"]:
            mismatches.append((case["name"], "details", python["checks"], "page", page["checks"]))
            continue
        if page["snapshot"] != python["snapshot"]:
            mismatches.append((case["name"], "snapshot", python["snapshot"], page["snapshot"]))
            continue
        # The second judgement, the same in the page: the hours against the policy.
        if hours_summary(page["hours"]) != hours_summary(python["hours"]):
            mismatches.append((case["name"], "hours", python["hours"], page["hours"]))
    assert not mismatches, json.dumps(mismatches, ensure_ascii=False, indent=1)


def mutations(seed: int, count: int) -> list[str]:
    """Damaged variants of the vectors, made the ways a code gets damaged or forged: one
    character changed, one bit of the message flipped, the message cut short, white space
    around it."""
    rng = random.Random(seed)
    texts: list[str] = []
    sources = [case["text"] for case in VECTORS["cases"] if len(case["text"]) <= MAX_TEXT]
    while len(texts) < count:
        text = rng.choice(sources)
        try:
            raw = bytearray(b45decode(text[len(PREFIX) :]))
        except RegistryError:
            raw = None
        kind = rng.randrange(4)
        if kind == 0:
            i = rng.randrange(len(PREFIX), len(text))
            texts.append(text[:i] + rng.choice(ALPHABET) + text[i + 1 :])
        elif kind == 1 and raw:
            raw[rng.randrange(len(raw))] ^= 1 << rng.randrange(8)
            texts.append(PREFIX + b45encode(bytes(raw)))
        elif kind == 2 and raw:
            texts.append(PREFIX + b45encode(bytes(raw[: rng.randrange(len(raw))])))
        elif kind == 3:
            space = rng.choice([" ", "\n", "\t", "\x1c", "\u3000", "\ufeff"])
            texts.append(space + text + rng.choice(["", " ", "\x85"]))
    return texts


@needs_browser
def test_page_and_python_agree_on_damaged_codes(
    browser: webdriver.Chrome, issued_home: IssuedHome
) -> None:
    texts = mutations(seed=20261122, count=300)
    with serving(issued_home.home.root, "--workers", "1") as base:
        browser.get(base + "/scan")
        wait_page(browser)
        pages = run_async(
            browser,
            "window.cecertScan.verifyWith(arguments[0]).then(done, e => done(String(e)));",
            vector_argument(texts, VECTORS["verification_time"]),
        )
    trust = vector_trust()
    verifier = Verifier(trust, status=vector_snapshot(trust))
    at = utc(VECTORS["verification_time"])
    differ = []
    for text, page in zip(texts, pages, strict=True):
        python = verifier.verify_text(text, at=at).to_json()
        if summary(page) != summary(python):
            differ.append({"text": text, "page": summary(page), "python": summary(python)})
    assert not differ, json.dumps(differ[:5], ensure_ascii=False, indent=1)
    verdicts = {page["verdict"] for page in pages}
    assert "invalid" in verdicts


def vector_argument(texts: list[str], at: str) -> dict[str, Any]:
    return {
        "trust": base64.b64encode((VECTORS_DIR / VECTORS["trust_list"]).read_bytes()).decode(),
        "snapshot": base64.b64encode((VECTORS_DIR / VECTORS["snapshot"]).read_bytes()).decode(),
        "pin": VECTORS["root_sha256"],
        "maxAgeDays": VECTORS["max_age_days"],
        "at": at,
        "texts": texts,
        "bureaus": vector_bureaus(),
    }


def vector_bureaus() -> dict[str, str]:
    """Region → bureau name as the vectors' trust list gives it (what a server serving that
    list would publish in ``/offline/policies.json``)."""
    trust = vector_trust()
    regions = {s.certificate.subject_serial for s in trust.trusted_seals}
    names = {region: trust.bureau_name(region) for region in regions if region}
    return {region: name for region, name in names.items() if name}


def summary(report: dict[str, Any]) -> tuple[Any, ...]:
    return (
        report["verdict"],
        [(c["name"], c["status"], c.get("reason")) for c in report["checks"]],
        report["certificate"],
        hours_summary(report["hours"]),
    )


def hours_summary(hours: dict[str, Any] | None) -> dict[str, Any] | None:
    """The hours judgement without its wording (the page words its details itself)."""
    if hours is None:
        return None
    return {k: v for k, v in hours.items() if k not in {"detail", "detail_zh"}}


@needs_browser
def test_the_page_refuses_a_trust_list_of_another_root(
    browser: webdriver.Chrome, issued_home: IssuedHome
) -> None:
    data = (VECTORS_DIR / VECTORS["trust_list"]).read_bytes()
    with serving(issued_home.home.root, "--workers", "1") as base:
        browser.get(base + "/scan")
        wait_page(browser)
        answer = run_async(
            browser,
            "window.cecertScan.verifyWith(arguments[0]).then(r => done(r), "
            "e => done({reason: e.reason}));",
            {
                "trust": base64.b64encode(data).decode("ascii"),
                "snapshot": None,
                "pin": issued_home.trust.signed_by,
                "maxAgeDays": 30,
                "at": VECTORS["verification_time"],
                "texts": [VECTORS["cases"][0]["text"]],
            },
        )
    assert answer == {"reason": "trust_list_pin"}
    assert parse_trust_list(data).signed_by != issued_home.trust.signed_by


# ---- the camera, with Chromium's fake capture device ---------------------------------------


def y4m_of(image: Path, out: Path, *, frames: int = 10) -> Path:
    """A short Y4M (4:2:0) video showing ``image`` centred on white, for the fake camera."""
    width, height = 640, 480
    picture = Image.open(image).convert("L")
    picture.thumbnail((height - 40, height - 40))
    frame = Image.new("L", (width, height), 255)
    frame.paste(picture, ((width - picture.width) // 2, (height - picture.height) // 2))
    chroma = bytes([128]) * (width // 2 * height // 2)
    with out.open("wb") as f:
        f.write(f"YUV4MPEG2 W{width} H{height} F10:1 Ip A1:1 C420jpeg\n".encode("ascii"))
        for _ in range(frames):
            f.write(b"FRAME\n" + frame.tobytes() + chroma + chroma)
    return out


@pytest.fixture
def camera_browser(tmp_path: Path, issued_home: IssuedHome) -> Iterator[webdriver.Chrome]:
    """Headless Chromium whose camera shows a real certificate's QR code."""
    video = y4m_of(
        qr_png(issued_home.documents[2].payload, tmp_path / "qr.png"), tmp_path / "qr.y4m"
    )
    with chromium(
        tmp_path / "chromium",
        "--use-fake-ui-for-media-stream",
        "--use-fake-device-for-media-stream",
        f"--use-file-for-fake-video-capture={video}",
    ) as driver:
        yield driver


@needs_browser
def test_the_camera_reads_the_code(
    camera_browser: webdriver.Chrome, issued_home: IssuedHome, snapshot_file: Path
) -> None:
    document = issued_home.documents[2]
    with serving(issued_home.home.root, "--workers", "1", "--snapshot", str(snapshot_file)) as base:
        camera_browser.get(base + "/scan")
        wait_page(camera_browser)
        camera_browser.find_element(By.ID, "camera").click()
        WebDriverWait(camera_browser, 30).until(
            lambda d: d.find_elements(By.CSS_SELECTOR, "#result .verdict h2, #result .error")
        )
        result = camera_browser.find_element(By.ID, "result").text
    assert "验证结果：有效" in result, result
    assert document.number in result
    assert camera_browser.find_element(By.ID, "qr").get_attribute("value") == document.payload
