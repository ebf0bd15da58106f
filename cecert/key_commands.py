"""``cecert keys rotate | revoke | list``: the key ring over time (docs/key-rotation.md)."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import click

from cecert.options import home_option, passphrase, resolve_home


def _now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


def _moment(text: str) -> dt.datetime:
    """An ISO 8601 time; without a zone it is taken as China time (what a bureau means)."""
    from registry.home import CHINA_TZ

    try:
        value = dt.datetime.fromisoformat(text)
    except ValueError as exc:
        raise click.BadParameter(f"{text!r} is not an ISO 8601 time") from exc
    return value if value.tzinfo else value.replace(tzinfo=CHINA_TZ)


@click.command("rotate")
@home_option
@click.option("--seal/--no-seal", default=True, show_default=True, help="Replace the seal.")
@click.option("--qr/--no-qr", default=True, show_default=True, help="Replace the QR key.")
def keys_rotate(home: Path | None, seal: bool, qr: bool) -> None:
    """Replace the seal and/or QR key; the old ones are retired now and keep verifying
    what they signed. Rewrites the home's trust.json: give it to every verifier."""
    from signer.setup import rotate

    target = resolve_home(home)
    manifest = rotate(target, passphrase=passphrase(), at=_now(), seal=seal, qr=qr)
    if seal:
        click.echo(f"new seal: {manifest['active_seal']}")
    if qr:
        click.echo(f"new QR key: {manifest['active_qr']}")
    click.echo(f"trust list rewritten: {target.trust_list_path}")


@click.command("revoke")
@home_option
@click.argument("key")
@click.option(
    "--from",
    "revoked_from",
    required=True,
    help="Moment from which the key is not trusted (ISO 8601; no zone = China time).",
)
@click.option("--reason", required=True, help="Why, e.g. key_compromise.")
def keys_revoke(home: Path | None, key: str, revoked_from: str, reason: str) -> None:
    """Revoke a retired QR key (by kid) or seal (by SHA-256 prefix) from a moment on.

    Documents it signed before stay valid; anything signed with it from then on is refused.
    Rewrites the home's trust.json: give it to every verifier.
    """
    from signer.setup import revoke

    target = resolve_home(home)
    moment = _moment(revoked_from)
    revoke(
        target,
        passphrase=passphrase(),
        key=key,
        revoked_from=moment,
        reason=reason,
        at=_now(),
    )
    click.echo(f"revoked {key} from {moment.isoformat()} ({reason})")
    click.echo(f"trust list rewritten: {target.trust_list_path}")


@click.command("list")
@home_option
def keys_list(home: Path | None) -> None:
    """List the seals and QR keys of the home's key ring (no passphrase needed)."""
    from signer.setup import key_inventory

    for row in key_inventory(resolve_home(home)):
        click.echo(f"{row['kind']:5} {row['id']}  {row['state']}")
