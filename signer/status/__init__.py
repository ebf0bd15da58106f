"""What the signer publishes about the registry: signed checkpoints and status snapshots."""

from signer.status.checkpoints import publish_checkpoint, write_checkpoint
from signer.status.publication import (
    Published,
    publish_status,
    published_age,
    published_log_size,
)
from signer.status.snapshots import export_snapshot, write_snapshot

__all__ = [
    "Published",
    "export_snapshot",
    "publish_checkpoint",
    "publish_status",
    "published_age",
    "published_log_size",
    "write_checkpoint",
    "write_snapshot",
]
