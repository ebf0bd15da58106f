"""The web verifier: the Flask test client, then a real HTTP request to `cecert serve`."""

from __future__ import annotations

import json
import urllib.error
import urllib.request
from collections.abc import Iterator
from io import BytesIO
from pathlib import Path

import pytest
from flask import Flask
from flask.testing import FlaskClient

from tests.conftest import IssuedHome, serving
from tests.support.logins import PASSWORD, log_in, make_instance
from verifier.web import create_app


@pytest.fixture
def app(issued_home: IssuedHome) -> Flask:
    return create_app(
        {
            "TESTING": True,
            "TRUST_LIST": str(issued_home.home.trust_list_path),
            "REGISTRY": str(issued_home.home.registry_path),
        }
    )


@pytest.fixture
def client(app: Flask) -> FlaskClient:
    return app.test_client()


def test_api_verifies_qr_text(client: FlaskClient, issued_home: IssuedHome) -> None:
    document = issued_home.documents[0]
    response = client.post("/api/v1/verify", json={"qr": document.payload})
    assert response.status_code == 200
    body = response.get_json()
    assert body["verdict"] == "valid"
    assert body["certificate"]["number"] == document.number
    assert {"name", "status", "detail"} <= set(body["checks"][0])


def test_api_verifies_pdf_upload(client: FlaskClient, issued_home: IssuedHome) -> None:
    pdf = issued_home.pdf(issued_home.documents[1]).read_bytes()
    response = client.post(
        "/api/v1/verify",
        data={"file": (BytesIO(pdf), "cert.pdf")},
        content_type="multipart/form-data",
    )
    assert response.status_code == 200
    assert response.get_json()["verdict"] == "valid"


def test_api_garbage_could_not_be_verified_and_nothing_is_400(client: FlaskClient) -> None:
    """Text that is no certificate code is a mistake, not a forgery: "could not verify"."""
    response = client.post("/api/v1/verify", json={"qr": "not a certificate"})
    assert response.status_code == 200
    body = response.get_json()
    assert body["verdict"] == "indeterminate"
    assert body["reasons"] == ["bad_prefix"]
    assert body["zh"]["verdict"] == "无法核验"
    assert "请上传证书 PDF 或清晰的二维码照片" in body["zh"]["next_step"]
    empty = client.post("/api/v1/verify", json={})
    assert empty.status_code == 400
    assert empty.get_json()["reason"] == "no_input"


def test_upload_limit_gives_413(issued_home: IssuedHome) -> None:
    app = create_app(
        {"TRUST_LIST": str(issued_home.home.trust_list_path), "MAX_CONTENT_LENGTH": 1000}
    )
    response = app.test_client().post(
        "/api/v1/verify", data=b"x" * 5000, content_type="application/pdf"
    )
    assert response.status_code == 413
    assert response.get_json()["reason"] == "too_large"


def test_page_shows_verdict_in_chinese(client: FlaskClient, issued_home: IssuedHome) -> None:
    page = client.get("/")
    assert page.status_code == 200
    assert "证书验证" in page.get_data(as_text=True)
    assert "default-src 'self'" in page.headers["Content-Security-Policy"]
    document = issued_home.documents[0]
    result = client.post("/", data={"qr": document.payload})
    html = result.get_data(as_text=True)
    assert result.status_code == 200
    assert "验证结果：有效" in html
    assert document.number in html
    garbage = client.post("/", data={"qr": "garbage"})
    told = garbage.get_data(as_text=True)
    assert "验证结果：无法核验" in told
    assert "验证结果：无效" not in told
    assert "请上传证书 PDF 或清晰的二维码照片" in told
    nothing = client.post("/", data={})
    assert nothing.status_code == 400
    assert "请上传证书" in nothing.get_data(as_text=True)


def test_app_refuses_a_tampered_trust_list(issued_home: IssuedHome, tmp_path: object) -> None:
    from pathlib import Path

    from keys import KeysError

    raw = json.loads(issued_home.home.trust_list_path.read_text("utf-8"))
    raw["keys"][0]["not_after"] = "2099-01-01T00:00:00Z"
    forged = Path(str(tmp_path)) / "trust.json"
    forged.write_text(json.dumps(raw), "utf-8")
    with pytest.raises(KeysError) as caught:
        create_app({"TRUST_LIST": str(forged)})
    assert caught.value.reason == "trust_list_signature"


@pytest.fixture
def served(issued_home: IssuedHome) -> Iterator[str]:
    with serving(issued_home.home.root) as base:
        yield base


def test_cecert_serve_answers_real_http(served: str, issued_home: IssuedHome) -> None:
    document = issued_home.documents[2]
    request = urllib.request.Request(
        served + "/api/v1/verify",
        data=json.dumps({"qr": document.payload}).encode(),
        headers={"Content-Type": "application/json"},
        method="POST",
    )
    with urllib.request.urlopen(request, timeout=10) as response:
        body = json.loads(response.read())
    assert body["verdict"] == "valid"
    assert body["certificate"]["name"] == json.loads(json.dumps(body))["certificate"]["name"]
    pdf = issued_home.pdf(document).read_bytes()
    raw = urllib.request.Request(
        served + "/api/v1/verify", data=pdf, headers={"Content-Type": "application/pdf"}
    )
    with urllib.request.urlopen(raw, timeout=10) as response:
        assert json.loads(response.read())["verdict"] == "valid"
    with pytest.raises(urllib.error.HTTPError) as caught:
        urllib.request.urlopen(served + "/no-such-page", timeout=10)
    assert caught.value.code == 404
    assert "Traceback" not in caught.value.read().decode()


def test_a_signed_payload_under_a_cycle_policy_is_indeterminate_not_a_500(
    client: FlaskClient, issued_home: IssuedHome
) -> None:
    """A correctly signed payload may name a policy without annual minimums (the Guangzhou
    cycle): the hours cannot be judged, which is an answer, not a server error."""
    import dataclasses

    from keys.private import open_key_ring
    from registry.payload import decode_payload, encode_payload
    from tests.conftest import PASSPHRASE

    ring = open_key_ring(issued_home.home.keys_dir, passphrase=PASSPHRASE)
    claims = decode_payload(issued_home.documents[0].payload).claims
    cycle = dataclasses.replace(claims, policy_id="guangzhou-cycle-2016", year=2015)
    text = encode_payload(cycle, kid=ring.qr.kid, sign=ring.qr.sign)
    response = client.post("/api/v1/verify", json={"qr": text})
    assert response.status_code == 200
    body = response.get_json()
    assert "hours.policy" not in {c["name"] for c in body["checks"]}
    assert body["hours"]["status"] == "unknown"
    assert body["hours"]["reason"] == "not_annual"


def test_a_failed_login_keeps_the_user_name_but_never_the_password(
    issued_home: IssuedHome, tmp_path: Path
) -> None:
    """A mistyped password costs the password only: the user name stays in its field, the
    message says what to do next, and the password is not echoed back."""
    instance = make_instance(tmp_path / "instance")
    app = create_app(
        {"TESTING": True, "TRUST_LIST": str(issued_home.home.trust_list_path)},
        instance_path=str(instance),
    )
    client = app.test_client()
    response = log_in(client, "Panel", "the wrong password, typed twice")
    page = response.get_data(as_text=True)
    assert response.status_code == 401
    assert 'value="Panel"' in page
    assert "the wrong password" not in page
    assert "请重新输入密码" in page
    assert 'aria-describedby="login-error"' in page
    assert log_in(client, "panel", PASSWORD).status_code == 302
