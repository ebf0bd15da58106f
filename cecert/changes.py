"""A change of the registry ends signed and published.

Every command that changes the registry — import, issue, renew, reissue, correct, revoke —
opens the key ring, makes its change, then signs a checkpoint of the event log; those that
change what a certificate's status is also publish a fresh status snapshot
(``signer.status.publication``), so that a running server hands the phones the new status at once.
The web processes never do this: they hold no key. A follower (``cecert issue --requests
--follow``) opens the key ring once (:func:`held_change`) and signs after each of its changes
(:func:`sign_change`).
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import TYPE_CHECKING

import click

from cecert.options import now, passphrase
from registry import CHINA_TZ, BureauConfig, Home
from registry.store import DocumentRecord, Registry

if TYPE_CHECKING:  # a verifier-only installation has no private-key code
    from keys.private import KeyRing
    from registry.log import Checkpoint
    from signer.status import Published


@dataclass(frozen=True, slots=True)
class Change:
    """What a changing command works with."""

    home: Home
    config: BureauConfig
    ring: KeyRing
    registry: Registry


@contextmanager
def held_change(home: Home) -> Iterator[Change]:
    """The home's registry and key ring (the passphrase is asked for first, before anything
    changes), held open for the block: for a command that makes one change
    (:func:`signed_change`) or a follower that makes many, each signed when done
    (:func:`sign_change`)."""
    from keys.private import open_key_ring

    config = home.config()
    ring = open_key_ring(home.keys_dir, passphrase=passphrase())
    registry = Registry.open(home.registry_path)
    try:
        yield Change(home, config, ring, registry)
    finally:
        registry.close()


def sign_change(change: Change, *, publish: bool = True) -> tuple[Checkpoint, Published | None]:
    """Sign a checkpoint of the log as it stands (kept in ``published/checkpoint.txt``) and,
    with ``publish``, publish the status; return the checkpoint (the one stored already when
    the log has not grown) and the publication."""
    from signer.status import publish_checkpoint, publish_status, write_checkpoint

    checkpoint = write_checkpoint(change.registry, change.ring, change.config, at=now())
    publish_checkpoint(change.home, checkpoint)
    if not publish:
        return checkpoint, None
    return checkpoint, publish_status(change.home, change.registry, change.ring, at=now())


@contextmanager
def signed_change(home: Home, *, publish: bool = True) -> Iterator[Change]:
    """The home's registry and key ring (the passphrase is asked for first, before anything
    changes). When the block succeeds, a checkpoint is signed (and kept in
    ``published/checkpoint.txt``) and, with ``publish``, the status published; when it
    fails, nothing is signed and the error goes on. A change that cannot alter any
    certificate's status (an import) passes ``publish=False``."""
    with held_change(home) as change:
        yield change
        _checkpoint, published = sign_change(change, publish=publish)
    if published is not None:
        announce(published)


def republish(home: Home, secret: bytes) -> None:
    """Publish the status again without a change of the registry: after the keys changed,
    so that the published snapshot is signed by a key the new trust list trusts at its
    time."""
    from keys.private import open_key_ring
    from signer.status import publish_status

    ring = open_key_ring(home.keys_dir, passphrase=secret)
    with Registry.open(home.registry_path, read_only=True) as registry:
        announce(publish_status(home, registry, ring, at=now()))


def announce(published: Published) -> None:
    """The line saying the status was published, where, as of when, over how many events."""
    as_of = published.as_of.astimezone(CHINA_TZ)
    click.echo(
        f"登记状态已发布 (status published)：{published.path}，截至 {as_of:%Y-%m-%d %H:%M:%S}"
        f"（北京时间），{published.log_size} 条登记事件"
    )


def print_issued(document: DocumentRecord) -> None:
    """The line for a document just issued, and what it carried (reissues, corrections):
    ``已签发 440100000000010 第2版（续办，2025年度）：<pdf> (issued edition 2, renewal)``."""
    click.echo(
        f"已签发 {document.number} 第{document.edition}版"
        f"（{document.kind.label_zh}，{document.year}年度）：{document.pdf_path} "
        f"(issued edition {document.edition}, {document.kind.value})"
    )
    if document.carried:
        click.echo(f"  {document.carried}")


__all__ = [
    "Change",
    "announce",
    "held_change",
    "print_issued",
    "republish",
    "sign_change",
    "signed_change",
]
