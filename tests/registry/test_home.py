"""A home's bureau configuration (``cecert.json``): written, read back, and checked when built."""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path

import pytest

from registry.errors import RegistryError
from registry.home import VERIFY_URL_MAX, Home
from tests.conftest import CONFIG


@pytest.mark.parametrize("verify_url", ["", "http://127.0.0.1:8000/", "https://cert.gz.gov.cn/v"])
def test_config_round_trips_with_and_without_a_verify_url(tmp_path: Path, verify_url: str) -> None:
    home = Home(tmp_path / "home")
    config = dataclasses.replace(CONFIG, verify_url=verify_url)

    home.write_config(config)

    assert home.config() == config
    assert json.loads(home.config_path.read_text("utf-8"))["verify_url"] == verify_url


def test_a_config_written_before_verify_url_existed_still_loads(tmp_path: Path) -> None:
    home = Home(tmp_path)
    old = {
        "bureau": CONFIG.bureau,
        "region": CONFIG.region,
        "province": CONFIG.province,
        "default_policy": CONFIG.default_policy,
    }
    home.config_path.write_text(json.dumps(old, ensure_ascii=False), "utf-8")

    assert home.config() == CONFIG
    assert home.config().verify_url == ""


@pytest.mark.parametrize(
    ("verify_url", "problem"),
    [
        ("cert.gz.gov.cn/verify", "http:// 或 https://"),
        ("ftp://cert.gz.gov.cn/", "http:// 或 https://"),
        ("https://", "http:// 或 https://"),
        ("https://cert.gz.gov.cn/ verify", "不能有空格"),
        ("https://证书.广州.cn/", "ASCII"),
        ("https://cert.gz.gov.cn/" + "v" * VERIFY_URL_MAX, f"最多 {VERIFY_URL_MAX} 个字符"),
    ],
)
def test_a_bad_verify_url_is_refused_naming_the_problem(verify_url: str, problem: str) -> None:
    with pytest.raises(RegistryError) as caught:
        dataclasses.replace(CONFIG, verify_url=verify_url)

    assert caught.value.reason == "bad_config"
    assert str(caught.value).startswith("核验网址")  # Chinese first, then English
    assert problem in str(caught.value)
    assert "verify_url" in str(caught.value)


def test_a_bad_verify_url_in_the_file_is_a_bad_config(tmp_path: Path) -> None:
    home = Home(tmp_path)
    raw = {**dataclasses.asdict(CONFIG), "verify_url": 8000}
    home.config_path.write_text(json.dumps(raw, ensure_ascii=False), "utf-8")

    with pytest.raises(RegistryError) as caught:
        home.config()

    assert caught.value.reason == "bad_config"
