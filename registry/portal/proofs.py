"""Proof files (证明材料) attached to a declared record: what they are, judged by their bytes.

A file's name and the browser's ``Content-Type`` claim a type; only the first bytes decide it.
PDF, JPEG and PNG are accepted, up to :data:`MAX_PROOF_BYTES` each and
:data:`MAX_PROOFS` per record. Pure: storing them is :mod:`registry.store.proof_files`.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from enum import StrEnum

from registry.errors import RegistryError

MAX_PROOF_BYTES = 10 * 1024 * 1024
"""The largest proof file accepted (10 MB: a phone photo or a scanned certificate)."""
MAX_PROOFS = 5
"""The most proof files one record carries."""


class MediaType(StrEnum):
    PDF = "application/pdf"
    JPEG = "image/jpeg"
    PNG = "image/png"

    @property
    def suffix(self) -> str:
        return {"application/pdf": ".pdf", "image/jpeg": ".jpg", "image/png": ".png"}[self.value]


_MAGIC = (
    (b"%PDF-", MediaType.PDF),
    (b"\xff\xd8\xff", MediaType.JPEG),
    (b"\x89PNG\r\n\x1a\n", MediaType.PNG),
)


@dataclass(frozen=True, slots=True)
class Proof:
    """One proof file as a record names it: the content's SHA-256, never its path."""

    sha256: str
    filename: str
    media_type: MediaType
    size: int


def sniff(data: bytes) -> MediaType | None:
    """The type the bytes are, or None when they are none of the accepted ones."""
    for magic, media_type in _MAGIC:
        if data.startswith(magic):
            return media_type
    return None


def check_proof(data: bytes, filename: str) -> Proof:
    """Judge one uploaded file; ``RegistryError`` naming the file when it is empty, too large
    or not a PDF, JPEG or PNG (whatever its name says)."""
    shown = _display_name(filename)
    if not data:
        raise RegistryError("proof_empty", f"证明材料“{shown}”是空文件 ({shown!r} is empty)")
    if len(data) > MAX_PROOF_BYTES:
        raise RegistryError(
            "proof_too_large",
            f"证明材料“{shown}”有 {len(data) / 1048576:.1f} MB，超过 "
            f"{MAX_PROOF_BYTES // 1048576} MB 的上限 ({shown!r} is larger than "
            f"{MAX_PROOF_BYTES // 1048576} MB)",
        )
    media_type = sniff(data)
    if media_type is None:
        raise RegistryError(
            "proof_wrong_type",
            f"证明材料“{shown}”不是 PDF、JPEG 或 PNG 文件（按文件内容判断，与文件名无关）"
            f"({shown!r} is not a PDF, JPEG or PNG file, judged by its content)",
        )
    return Proof(hashlib.sha256(data).hexdigest(), shown, media_type, len(data))


def check_count(count: int) -> None:
    """Refuse more than :data:`MAX_PROOFS` proof files on one record (``too_many_proofs``)."""
    if count > MAX_PROOFS:
        raise RegistryError(
            "too_many_proofs",
            f"每条记录最多 {MAX_PROOFS} 个证明材料，这里有 {count} 个 "
            f"(at most {MAX_PROOFS} proof files a record, not {count})",
        )


def _display_name(filename: str) -> str:
    """The file's own name without folders or control characters, at most 100 characters."""
    base = filename.replace("\\", "/").rsplit("/", 1)[-1]
    clean = "".join(c for c in base if c.isprintable()).strip()
    return clean[:100] or "未命名文件"


__all__ = [
    "MAX_PROOFS",
    "MAX_PROOF_BYTES",
    "MediaType",
    "Proof",
    "check_count",
    "check_proof",
    "sniff",
]
