"""``cecert registry …``: audit, backup and checkpoints of the system of record."""

from __future__ import annotations

import datetime as dt
import json
import sys
from dataclasses import asdict
from pathlib import Path

import click

from cecert.options import passphrase, resolve_home
from registry.store import Registry


@click.group("registry")
def registry_group() -> None:
    """Audit, back up and checkpoint the registry."""


@registry_group.command("audit")
@click.option("--home", type=click.Path(file_okay=False, path_type=Path), default=None)
@click.option(
    "--registry",
    "registry_path",
    type=click.Path(dir_okay=False, path_type=Path),
    default=None,
    help="Audit this registry file (e.g. a restored backup) instead of the home's.",
)
@click.option("--json", "as_json", is_flag=True)
def audit(home: Path | None, registry_path: Path | None, as_json: bool) -> None:
    """Recompute the log, every row, every PDF and the checkpoints; report what is wrong.

    Exit status 0 when everything adds up, 1 otherwise (the first problem is printed first).
    """
    from cecert.auditing import run_audit

    target = resolve_home(home)
    path = registry_path or target.registry_path
    with Registry.open(path, read_only=True) as registry:
        report = run_audit(registry, target, at=dt.datetime.now(dt.UTC))
    if as_json:
        click.echo(
            json.dumps(
                {
                    "ok": report.ok,
                    "events": report.events,
                    "rows": report.rows,
                    "pdfs": report.pdfs,
                    "problems": [asdict(p) for p in report.problems],
                    "orphans": report.orphans,
                },
                ensure_ascii=False,
                indent=2,
            )
        )
    else:
        click.echo(
            f"audited {report.events} events, {report.rows} rows, {report.pdfs} PDFs: "
            + ("consistent" if report.ok else f"{len(report.problems)} problem(s)")
        )
        for problem in report.problems:
            event = f" (event {problem.event_seq})" if problem.event_seq else ""
            click.echo(f"  ✗ [{problem.kind}] {problem.message}{event}")
        for orphan in report.orphans:
            click.echo(f"  · not issued, left by an interrupted run: {orphan}")
    sys.exit(0 if report.ok else 1)


@registry_group.command("backup")
@click.option("--home", type=click.Path(file_okay=False, path_type=Path), default=None)
@click.argument("file", type=click.Path(dir_okay=False, path_type=Path))
def backup(home: Path | None, file: Path) -> None:
    """Write a consistent copy of the registry to FILE while it is in use."""
    target = resolve_home(home)
    target.config()
    with Registry.open(target.registry_path, read_only=True) as registry:
        registry.backup(file)
    click.echo(
        f"backed up {target.registry_path} to {file}; "
        f"check it with `cecert registry audit --registry {file}`"
    )


@registry_group.command("checkpoint")
@click.option("--home", type=click.Path(file_okay=False, path_type=Path), default=None)
def checkpoint(home: Path | None) -> None:
    """Sign a checkpoint of the event log now, store it and print it (publish it)."""
    from keys.private import open_key_ring
    from signer.checkpointing import write_checkpoint

    target = resolve_home(home)
    config = target.config()
    ring = open_key_ring(target.keys_dir, passphrase=passphrase())
    with Registry.open(target.registry_path) as registry:
        signed = write_checkpoint(registry, ring, config, at=dt.datetime.now(dt.UTC))
    click.echo(signed.to_text(), nl=False)
