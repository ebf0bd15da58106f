"""``cecert renew|reissue|correct|revoke|history``: the life of a certificate number.

Renewal, reissue and correction make a new, sealed edition (passphrase needed, as for
``cecert issue``); revocation and history only touch the registry. Errors go through
``cecert.cli.main`` like every other command's. ``docs/lifecycle.md`` explains the rules.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

import click

from cecert.changes import print_issued, signed_change
from cecert.choices import REISSUE_REASON, REVOCATION_REASON
from cecert.command import Command
from cecert.options import home_option, now, resolve_home
from registry import CHINA_TZ, DocumentKind, RegistryError, RevocationReason
from registry.importing import load_activities
from registry.store import Registry
from verifier import edition_history

if TYPE_CHECKING:
    from signer import Issuer

F = TypeVar("F", bound=Callable[..., Any])
_OUT = click.Path(file_okay=False, path_type=Path)


def _out_option(func: F) -> F:
    return click.option(
        "--out",
        "out_dir",
        type=_OUT,
        default=None,
        help="证书 PDF 的存放目录（默认 <home>/certificates）(where PDFs go)",
    )(func)


@contextmanager
def _registry(home: Path | None, *, read_only: bool = False) -> Iterator[Registry]:
    target = resolve_home(home)
    target.config()  # a clear no_home / bad_config before touching the registry
    registry = Registry.open(target.registry_path, read_only=read_only)
    try:
        yield registry
    finally:
        registry.close()


@contextmanager
def _issuer(home: Path | None, out_dir: Path | None) -> Iterator[Issuer]:
    """An issuer as ``cecert issue`` builds it: the home's keys (passphrase) and registry.
    When the block succeeds, a checkpoint is signed and the status published
    (:func:`cecert.changes.signed_change`)."""
    from signer import Issuer

    target = resolve_home(home)
    with signed_change(target) as change:
        yield Issuer(
            registry=change.registry,
            ring=change.ring,
            config=change.config,
            out_dir=out_dir or target.certificates_dir,
        )


_YEAR_HELP = "哪一年度的证书（默认：有现行证书的最近年度）(default: the latest current year)"


@click.command(cls=Command)
@home_option
@click.argument("number")
@click.option("--year", type=int, default=None, help=_YEAR_HELP)
@_out_option
def renew(home: Path | None, number: str, year: int | None, out_dir: Path | None) -> None:
    """续办证书 NUMBER，重新核定学时 (renew: a new edition).

    按登记库现有学时记录重新核定，签发同一编号的新版。

    A new edition of the same number, with the hours evaluated again.
    """
    with _issuer(home, out_dir) as issuer:
        document = issuer.renew(number, year=year, at=now())
    print_issued(document)


@click.command(cls=Command)
@home_option
@click.argument("number")
@click.option(
    "--reason",
    type=REISSUE_REASON,
    required=True,
    help="补办原因：遗失或损毁，中文或代码均可 (why: lost or damaged)",
)
@click.option("--year", type=int, default=None, help=_YEAR_HELP)
@click.option(
    "--reproven",
    type=click.Path(dir_okay=False, path_type=Path),
    default=None,
    help="政策要求重新提供证明时：已重新提供证明的学时记录（学时记录导入格式）"
    "(records whose proof was provided again)",
)
@click.option(
    "--accept-shortfall",
    is_flag=True,
    help="新版载明的学时低于政策要求时仍然补办 (issue even though it falls short)",
)
@_out_option
def reissue(
    home: Path | None,
    number: str,
    reason: str,
    year: int | None,
    reproven: Path | None,
    accept_shortfall: bool,
    out_dir: Path | None,
) -> None:
    """补办证书 NUMBER，编号不变 (reissue, lost or damaged).

    \b
    学时按原证书结转，政策要求重新提供证明的除外：
    没有证明而补办后学时不足的，须用 --accept-shortfall 确认。

    Hours are carried as recorded, except those the policy
    requires to be proven again: without the proofs, a reissue that would fall short is
    refused until --accept-shortfall."""
    from signer import ReissueReason

    today = now().astimezone(CHINA_TZ).date()
    records = [a for _line, a in load_activities(reproven, today=today)] if reproven else []
    with _issuer(home, out_dir) as issuer:
        document = issuer.reissue(
            number,
            reason=ReissueReason(reason),
            year=year,
            reproven=records,
            accept_shortfall=accept_shortfall,
            at=now(),
        )
    print_issued(document)


@click.command(cls=Command)
@home_option
@click.argument("number")
@click.option("--name", default=None, help="持证人的正确姓名 (the correct name)")
@click.option("--id-number", default=None, help="持证人的正确身份证号 (the correct ID number)")
@click.option(
    "--reason",
    "reason_text",
    required=True,
    help="更正原因，存入登记库并印在新证书上 (why, kept in the registry)",
)
@_out_option
def correct(
    home: Path | None,
    number: str,
    name: str | None,
    id_number: str | None,
    reason_text: str,
    out_dir: Path | None,
) -> None:
    """更正持证人信息并签发更正版 (correct and reissue).

    更正持证人姓名或身份证号，并为 NUMBER 的每份现行证书签发更正版。

    Correct the holder's name or ID number and reissue every current document of NUMBER
    as a correction (更正).
    """
    with _issuer(home, out_dir) as issuer:
        documents = issuer.correct(
            number, name=name, id_number=id_number, reason_text=reason_text, at=now()
        )
    for document in documents:
        print_issued(document)
    click.echo(f"已签发更正 {len(documents)} 份 ({len(documents)} correction(s) issued)")


@click.command(cls=Command)
@home_option
@click.argument("number")
@click.option(
    "--edition", type=int, default=None, help="撤销第几版（默认：最新版）(default: the latest)"
)
@click.option(
    "--reason",
    type=REVOCATION_REASON,
    required=True,
    help="撤销原因，中文或代码均可 (why, a word or its code)",
)
@click.option(
    "--note",
    default="",
    help="事由，所有核验方可见，勿写姓名或身份证号 (what happened, shown to verifiers)",
)
def revoke(home: Path | None, number: str, edition: int | None, reason: str, note: str) -> None:
    """撤销证书 NUMBER 的一版，不可恢复 (revoke an edition; final).

    撤销后签署检查点并发布登记状态，需要口令。

    Signs a checkpoint and publishes the status afterwards (needs the passphrase)."""
    with signed_change(resolve_home(home)) as change:
        document = change.registry.revoke(
            number, reason=RevocationReason(reason), note=note, at=now(), edition=edition
        )
    label = RevocationReason(reason).label_zh
    click.echo(
        f"已撤销 {document.number} 第{document.edition}版：{label} "
        f"(revoked edition {document.edition}: {reason})"
    )


@click.command(cls=Command)
@home_option
@click.argument("number")
@click.option("--json", "as_json", is_flag=True, help="以 JSON 输出 (print the editions as JSON)")
def history(home: Path | None, number: str, as_json: bool) -> None:
    """证书 NUMBER 的各版及其状态 (every edition of NUMBER).

    类别、年度、状态、日期、原因。

    Kind, year, status, dates, reasons.
    """
    with _registry(home, read_only=True) as registry:
        records = registry.history(number)
    if not records:
        raise RegistryError(
            "no_such_document", f"没有这个证书编号：{number} (no such certificate number)"
        )
    rows = edition_history(records)
    if as_json:
        click.echo(json.dumps({"number": number, "editions": rows}, ensure_ascii=False, indent=2))
        return
    for row in rows:
        click.echo(_history_line(row))
        if row["carried"]:
            click.echo(f"  {row['carried']}")


def _history_line(row: dict[str, Any]) -> str:
    """``第1版  2025年度  首次颁发  2026-03-02 签发  已被第2版取代（2026-11-22，续办）
    [original, superseded on 2026-11-22 (renewal)]`` (one line)."""
    why = [part for part in (row["changed_on"], row["reason_zh"]) if part]
    status_zh = row["status_zh"] + (f"（{'，'.join(why)}）" if why else "")
    if row["note"]:
        status_zh += f"：{row['note']}"
    status = row["status"]
    if row["changed_on"]:
        status += f" on {row['changed_on']}"
    if row["reason"]:
        status += f" ({row['reason']})"
    kind_zh = DocumentKind(row["kind"]).label_zh.ljust(4, "\u3000")  # CJK width: aligned
    return (
        f"第{row['edition']}版  {row['year']}年度  {kind_zh}  {row['issued_on']} 签发  "
        f"{status_zh}  [{row['kind']}, {status}]"
    )


def add_lifecycle_commands(group: click.Group) -> None:
    """Register the five commands on ``group`` (the ``cecert`` group)."""
    for command in (renew, reissue, correct, revoke, history):
        group.add_command(command)
