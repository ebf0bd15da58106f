"""The ``cecert`` command: a thin skin over the packages' Python APIs.

Every command parses its options, calls one public function with the same parameter names,
and prints the result. Errors of every package end here and become one line ``error
[reason]: message`` with exit status 1 (2 for usage errors, as click does).
"""

from __future__ import annotations

import datetime as dt
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any, TypeVar

import click

from cecert.account_commands import accounts_group
from cecert.key_commands import keys_list, keys_revoke, keys_rotate
from cecert.options import fail, home_option, passphrase, resolve_home
from cecert.registry_commands import registry_group
from cecert.rules_commands import hours, title
from cecert.snapshot_commands import snapshot_group
from cecert.verify_commands import serve, verify
from keys import KeysError
from registry.errors import RegistryError
from registry.home import BureauConfig, Home
from registry.intake import ImportKind, import_file
from registry.store import DocumentRecord, Registry
from verifier import (
    VerifierError,
)

F = TypeVar("F", bound=Callable[..., Any])
_ERRORS: tuple[type[Exception], ...] = (KeysError, RegistryError, VerifierError)


def _now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


def _signer_errors() -> tuple[type[Exception], ...]:
    try:
        from signer.errors import IssuanceError
    except ImportError:  # a verifier-only installation has no signer
        return ()
    return (IssuanceError,)


@contextmanager
def _open_registry(home: Home, *, read_only: bool = False) -> Iterator[Registry]:
    home.config()
    registry = Registry.open(home.registry_path, read_only=read_only)
    try:
        yield registry
    finally:
        registry.close()


@click.group()
@click.version_option(package_name="cecert")
def cli() -> None:
    """cecert: continuing-education certificates (继续教育证书), issued and verified offline."""


@cli.command()
@home_option
@click.option("--bureau", default="广州市人力资源和社会保障局", show_default=True)
@click.option("--region", default="440100", show_default=True, help="Six-digit region code.")
@click.option("--province", default="广东省人力资源和社会保障厅", show_default=True)
@click.option("--policy", "default_policy", default="gd-2010", show_default=True)
def init(home: Path | None, bureau: str, region: str, province: str, default_policy: str) -> None:
    """Create a home: root CA, seal certificate, QR key, empty registry, trust list."""
    from signer import init_home

    target = resolve_home(home)
    config = BureauConfig(
        bureau=bureau, region=region, province=province, default_policy=default_policy
    )
    init_home(target, config=config, passphrase=passphrase(confirm=True), at=_now())
    click.echo(f"initialised {target.root} for {bureau} ({region})")
    click.echo(f"trust list: {target.trust_list_path}")


@cli.group()
def keys() -> None:
    """Key ring and trust list."""


@keys.command("export-trust")
@home_option
@click.argument("file", type=click.Path(dir_okay=False, path_type=Path))
def export_trust(home: Path | None, file: Path) -> None:
    """Write the signed trust list a verifier needs to FILE."""
    from signer import export_trust as export
    from signer.setup import describe_trust

    data = export(resolve_home(home), passphrase=passphrase(), at=_now())
    file.write_bytes(data)
    summary = describe_trust(data)
    click.echo(f"wrote {file}; root SHA-256 (publish it for pinning): {summary['root_sha256']}")


@cli.group("import")
def import_() -> None:
    """Import people or training records (CSV, XLSX, JSON Lines)."""


def _import(kind: ImportKind, home: Path | None, file: Path) -> None:
    with _open_registry(resolve_home(home)) as registry:
        result = import_file(registry, kind, file, at=_now())
    click.echo(
        f"{kind.value}: {result.added} added, {result.updated} updated, "
        f"{result.unchanged} unchanged"
    )


@import_.command("people")
@home_option
@click.argument("file", type=click.Path(dir_okay=False, path_type=Path))
def import_people(home: Path | None, file: Path) -> None:
    """Import people from FILE; a file with any bad row is rejected whole."""
    _import(ImportKind.PEOPLE, home, file)


@import_.command("activities")
@home_option
@click.argument("file", type=click.Path(dir_okay=False, path_type=Path))
def import_activities(home: Path | None, file: Path) -> None:
    """Import training records from FILE; a file with any bad row is rejected whole."""
    _import(ImportKind.ACTIVITIES, home, file)


@cli.command()
@home_option
@click.option("--year", type=int, required=True)
@click.option("--policy", "policy_id", default=None, help="Policy id (default: the home's).")
@click.option("--person", "id_numbers", multiple=True, help="Only this ID number (repeatable).")
@click.option("--out", "out_dir", type=click.Path(file_okay=False, path_type=Path), default=None)
@click.option(
    "--workers",
    type=click.IntRange(min=1),
    default=None,
    help="Processes making documents (default: the usable cores; 1: all in this process).",
)
def issue(
    home: Path | None,
    year: int,
    policy_id: str | None,
    id_numbers: tuple[str, ...],
    out_dir: Path | None,
    workers: int | None,
) -> None:
    """Issue the YEAR certificate to everyone whose confirmed records meet the policy."""
    from cecert.progress import ProgressLine
    from keys.private import open_key_ring
    from signer import Issuer
    from signer.checkpointing import write_checkpoint
    from signer.workers import usable_cores

    target = resolve_home(home)
    config = target.config()
    ring = open_key_ring(target.keys_dir, passphrase=passphrase())
    with _open_registry(target) as registry:
        issuer = Issuer(
            registry=registry,
            ring=ring,
            config=config,
            out_dir=out_dir or target.certificates_dir,
        )
        progress = ProgressLine("issuing", sys.stderr, in_place=sys.stderr.isatty())

        def issued(document: DocumentRecord) -> None:
            click.echo(f"issued {document.number} edition {document.edition}: {document.pdf_path}")

        report = issuer.issue(
            year=year,
            at=_now(),
            policy_id=policy_id,
            id_numbers=list(id_numbers) or None,
            progress=progress,
            workers=workers or usable_cores(),
            keep_records=False,
            on_issued=issued,
        )
        progress.finish()
        if report.issued_count:
            write_checkpoint(registry, ring, config, at=_now())
    for skipped in report.skipped:
        click.echo(
            f"未发证 {skipped.masked_id} {skipped.name}：{skipped.detail}（{skipped.reason}）"
        )
    groups = report.skipped_by_cause()
    if groups:
        click.echo("未发证原因汇总 (skipped, by cause):")
        for group in groups:
            click.echo(f"  {group.count} 人：{group.label_zh}（{', '.join(group.codes)}）")
    click.echo(
        f"发证 {report.issued_count} 份，未发证 {len(report.skipped)} 人 "
        f"({report.issued_count} issued, {len(report.skipped)} skipped)"
    )


cli.add_command(verify)
cli.add_command(serve)
cli.add_command(hours)
cli.add_command(title)
cli.add_command(registry_group)
cli.add_command(snapshot_group)
cli.add_command(accounts_group)
keys.add_command(keys_rotate)
keys.add_command(keys_revoke)
keys.add_command(keys_list)
from cecert.lifecycle_commands import add_lifecycle_commands  # noqa: E402 - with the others

add_lifecycle_commands(cli)


def main() -> None:
    """Entry point: run the command group, turning our errors into one clear line."""
    errors = (*_ERRORS, *_signer_errors())
    try:
        cli.main(standalone_mode=False)
    except click.exceptions.Abort:
        click.echo("aborted", err=True)
        sys.exit(1)
    except click.ClickException as exc:
        exc.show()
        sys.exit(exc.exit_code)
    except errors as exc:
        fail(exc)
    except KeyboardInterrupt:
        sys.exit(130)
