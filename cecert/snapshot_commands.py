"""``cecert snapshot …``: signed status snapshots for verifiers without a registry."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import click

from cecert.options import home_option, passphrase, resolve_home
from registry.store import Registry


@click.group("snapshot")
def snapshot_group() -> None:
    """Signed registry snapshots: document status for verifiers without the registry."""


@snapshot_group.command("export")
@home_option
@click.argument("file", type=click.Path(dir_okay=False, path_type=Path))
@click.option(
    "--base",
    type=click.Path(dir_okay=False, exists=True, path_type=Path),
    default=None,
    help="An older full snapshot: write only what changed since (a delta).",
)
def export(home: Path | None, file: Path, base: Path | None) -> None:
    """Write the status of every document, signed by the bureau's QR key, to FILE."""
    from keys.private import open_key_ring
    from signer.snapshotting import export_snapshot

    target = resolve_home(home)
    config = target.config()
    ring = open_key_ring(target.keys_dir, passphrase=passphrase())
    at = dt.datetime.now(dt.UTC)
    with Registry.open(target.registry_path, read_only=True) as registry:
        documents = registry.count("documents")
        data = export_snapshot(
            registry, ring, config, at=at, base=base.read_bytes() if base else None
        )
    file.write_bytes(data)
    kind = f"delta over {base}" if base else "full snapshot"
    per = f", {len(data) / documents:.1f} bytes per document" if documents else ""
    click.echo(
        f"wrote {file}: {kind} of {documents} documents as of "
        f"{at:%Y-%m-%dT%H:%M:%SZ}, {len(data)} bytes{per}"
    )
