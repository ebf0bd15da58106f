"""A revocation stays revoked: no batch, renewal, reissue or correction issues under a
revoked number again, from cecert or behind its back (docs/lifecycle.md)."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from registry.errors import RegistryError
from registry.model import RevocationReason
from signer import IssuanceError, ReissueReason
from tests.conftest import LATER, PASSPHRASE
from tests.support.bureaus import CHANGED, HOLDER, Bureau, bureau
from tests.support.cli import run

__all__ = ["bureau"]  # the fixture, used by name


def revoke_original(bureau: Bureau) -> str:
    number = bureau.original.number
    bureau.registry.revoke(number, reason=RevocationReason.FRAUD, note="记录系伪造", at=CHANGED)
    return number


def test_the_years_batch_run_again_skips_a_revoked_holder(bureau: Bureau) -> None:
    number = revoke_original(bureau)
    report = bureau.issuer.issue(year=2025, at=LATER)
    assert report.issued == ()
    (skipped,) = [s for s in report.skipped if s.reason == "number_revoked"]
    assert skipped.name == "张伟"
    assert number in skipped.detail
    assert "撤销不可恢复" in skipped.detail
    assert [d.edition for d in bureau.registry.history(number)] == [1]


def test_a_batch_with_workers_skips_a_revoked_holder_and_issues_the_others(
    bureau: Bureau,
) -> None:
    number = revoke_original(bureau)
    other = next(d for d in bureau.home.documents if d.id_number != HOLDER)
    bureau.registry.revoke(
        other.number, reason=RevocationReason.ISSUED_IN_ERROR, note="", at=CHANGED
    )
    report = bureau.issuer.issue(year=2025, at=LATER, workers=2)
    assert report.issued == ()
    assert sorted(s.reason for s in report.skipped if s.reason == "number_revoked") == [
        "number_revoked",
        "number_revoked",
    ]
    assert [d.edition for d in bureau.registry.history(number)] == [1]


@pytest.mark.parametrize("year", [2025, 2026])
def test_no_new_edition_of_any_year_is_drawn_under_a_revoked_number(
    bureau: Bureau, year: int
) -> None:
    number = revoke_original(bureau)
    with (
        pytest.raises(RegistryError) as refused,
        bureau.registry.issuance(id_number=HOLDER, issuer="440100", year=year, at=LATER),
    ):
        pass
    assert refused.value.reason == "number_revoked"
    assert number in refused.value.message
    assert "撤销不可恢复" in refused.value.message


def test_renewal_reissue_and_correction_of_a_revoked_number_are_refused(bureau: Bureau) -> None:
    number = revoke_original(bureau)
    attempts = (
        lambda: bureau.issuer.renew(number, at=LATER),
        lambda: bureau.issuer.reissue(number, reason=ReissueReason.LOST, at=LATER),
        lambda: bureau.issuer.correct(number, name="张玮", reason_text="更正姓名", at=LATER),
    )
    for attempt in attempts:
        with pytest.raises((IssuanceError, RegistryError)) as refused:
            attempt()
        assert refused.value.reason == "number_revoked"
    assert [d.edition for d in bureau.registry.history(number)] == [1]


def test_a_revoked_number_takes_no_new_row_behind_cecerts_back(bureau: Bureau) -> None:
    number = revoke_original(bureau)
    conn = sqlite3.connect(bureau.home.home.registry_path)
    try:
        with pytest.raises(sqlite3.DatabaseError, match="number_revoked"):
            conn.execute(
                "INSERT INTO documents (number, edition, kind, year, policy_id, hours, payload,"
                " pdf_sha256, pdf_path, status, issued_at)"
                " SELECT number, 2, 'original', year, policy_id, hours, payload, 'x', pdf_path,"
                " 'current', issued_at FROM documents WHERE number = ? AND edition = 1",
                (number,),
            )
    finally:
        conn.close()


def test_cecert_issue_reports_the_revoked_holder_in_chinese(bureau: Bureau, tmp_path: Path) -> None:
    number = revoke_original(bureau)
    home = str(bureau.home.home.root)
    result = run("issue", "--home", home, "--year", "2025", env={"CECERT_PASSPHRASE": PASSPHRASE})
    assert result.returncode == 0, result.stderr
    assert "撤销不可恢复" in result.stdout + result.stderr
    assert "number_revoked" in result.stdout + result.stderr
    assert f"已签发 {number}" not in result.stdout
