"""``cecert renew|reissue|correct|revoke|history``: the life of a certificate number.

Renewal, reissue and correction make a new, sealed edition (passphrase needed, as for
``cecert issue``); revocation and history only touch the registry. Errors go through
``cecert.cli.main`` like every other command's. ``docs/lifecycle.md`` explains the rules.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

import click

from cecert.options import home_option, passphrase, resolve_home
from registry.errors import RegistryError
from registry.home import CHINA_TZ
from registry.importing import load_activities
from registry.model import DocumentKind, RevocationReason
from registry.store import DocumentRecord, Registry
from verifier.status import edition_history

if TYPE_CHECKING:
    from signer import Issuer

F = TypeVar("F", bound=Callable[..., Any])
_REVOCATION = click.Choice([r.value for r in RevocationReason])
_OUT = click.Path(file_okay=False, path_type=Path)


def _out_option(func: F) -> F:
    return click.option(
        "--out",
        "out_dir",
        type=_OUT,
        default=None,
        help="Where PDFs go (default: <home>/certificates).",
    )(func)


def _now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


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
    When the block succeeds, a checkpoint of the event log is signed, as after an issuance."""
    from keys.private import open_key_ring
    from signer import Issuer
    from signer.checkpointing import write_checkpoint

    target = resolve_home(home)
    config = target.config()
    ring = open_key_ring(target.keys_dir, passphrase=passphrase())
    with _registry(home) as registry:
        yield Issuer(
            registry=registry,
            ring=ring,
            config=config,
            out_dir=out_dir or target.certificates_dir,
        )
        write_checkpoint(registry, ring, config, at=_now())


def _print_issued(document: DocumentRecord) -> None:
    click.echo(
        f"issued {document.number} edition {document.edition} "
        f"({document.kind.value} {document.kind.label_zh}, {document.year}): {document.pdf_path}"
    )
    if document.carried:
        click.echo(f"  {document.carried}")


@click.command()
@home_option
@click.argument("number")
@click.option("--year", type=int, default=None, help="Default: the latest current year.")
@_out_option
def renew(home: Path | None, number: str, year: int | None, out_dir: Path | None) -> None:
    """Renew (续办) certificate NUMBER: a new edition with the hours evaluated again."""
    with _issuer(home, out_dir) as issuer:
        document = issuer.renew(number, year=year, at=_now())
    _print_issued(document)


@click.command()
@home_option
@click.argument("number")
@click.option("--reason", type=click.Choice(["lost", "damaged"]), required=True)
@click.option("--year", type=int, default=None, help="Default: the latest current year.")
@click.option(
    "--reproven",
    type=click.Path(dir_okay=False, path_type=Path),
    default=None,
    help="Records whose proof was provided again, where the policy requires it (activities "
    "file format).",
)
@click.option(
    "--accept-shortfall",
    is_flag=True,
    help="Issue even though the new edition would state fewer hours than the policy requires.",
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
    """Reissue (补办) certificate NUMBER, lost or damaged, with the same number. Hours are
    carried as recorded, except those the policy requires to be proven again: without the
    proofs, a reissue that would fall short is refused until --accept-shortfall."""
    from signer import ReissueReason

    today = _now().astimezone(CHINA_TZ).date()
    records = [a for _line, a in load_activities(reproven, today=today)] if reproven else []
    with _issuer(home, out_dir) as issuer:
        document = issuer.reissue(
            number,
            reason=ReissueReason(reason),
            year=year,
            reproven=records,
            accept_shortfall=accept_shortfall,
            at=_now(),
        )
    _print_issued(document)


@click.command()
@home_option
@click.argument("number")
@click.option("--name", default=None, help="The holder's correct name.")
@click.option("--id-number", default=None, help="The holder's correct ID number.")
@click.option("--reason", "reason_text", required=True, help="Why (kept in the registry).")
@_out_option
def correct(
    home: Path | None,
    number: str,
    name: str | None,
    id_number: str | None,
    reason_text: str,
    out_dir: Path | None,
) -> None:
    """Correct the holder's name or ID number and reissue every current document of
    NUMBER as a correction (更正)."""
    with _issuer(home, out_dir) as issuer:
        documents = issuer.correct(
            number, name=name, id_number=id_number, reason_text=reason_text, at=_now()
        )
    for document in documents:
        _print_issued(document)
    click.echo(f"{len(documents)} correction(s) issued")


@click.command()
@home_option
@click.argument("number")
@click.option("--edition", type=int, default=None, help="Default: the latest edition.")
@click.option("--reason", type=_REVOCATION, required=True)
@click.option("--note", default="", help="What happened (shown to verifiers).")
def revoke(home: Path | None, number: str, edition: int | None, reason: str, note: str) -> None:
    """Revoke an edition of certificate NUMBER. Final: it cannot be undone."""
    with _registry(home) as registry:
        document = registry.revoke(
            number, reason=RevocationReason(reason), note=note, at=_now(), edition=edition
        )
    label = RevocationReason(reason).label_zh
    click.echo(f"revoked {document.number} edition {document.edition}: {reason} ({label})")


@click.command()
@home_option
@click.argument("number")
@click.option("--json", "as_json", is_flag=True, help="Print the editions as JSON.")
def history(home: Path | None, number: str, as_json: bool) -> None:
    """Every edition of certificate NUMBER: kind, year, status, dates, reasons."""
    with _registry(home, read_only=True) as registry:
        records = registry.history(number)
    if not records:
        raise RegistryError("no_such_document", f"{number}: no such certificate number")
    rows = edition_history(records)
    if as_json:
        click.echo(json.dumps({"number": number, "editions": rows}, ensure_ascii=False, indent=2))
        return
    for row in rows:
        status = row["status"]
        if row["changed_on"]:
            status += f" on {row['changed_on']}"
        if row["reason"]:
            status += f" ({row['reason']} {row['reason_zh']})"
        if row["note"]:
            status += f" — {row['note']}"
        kind = f"{row['kind']} {DocumentKind(row['kind']).label_zh}"
        click.echo(
            f"edition {row['edition']}  {row['year']}  {kind:16}  issued {row['issued_on']}  "
            f"{row['status_zh']}  [{status}]"
        )
        if row["carried"]:
            click.echo(f"  {row['carried']}")


def add_lifecycle_commands(group: click.Group) -> None:
    """Register the five commands on ``group`` (the ``cecert`` group)."""
    for command in (renew, reissue, correct, revoke, history):
        group.add_command(command)
