"""The checkpoint: a signed note naming the size and root hash of the registry's event log.

Modelled on the transparency-log checkpoint (C2SP ``tlog-checkpoint`` in a ``signed-note``),
with an ES256 signature line of our own. The whole text (``docs/transparency.md`` shows it
byte by byte)::

    cecert-registry/<region>\\n
    <tree size, decimal>\\n
    <root hash, standard base64>\\n
    <time, UTC, YYYY-MM-DDTHH:MM:SSZ>\\n
    \\n
    — <kid, base64url> <signature, standard base64>\\n

The first four lines are the **body**, the bytes that are signed. This module is a codec
only: it builds and parses the text and does no cryptography; the signature is made by the
caller's signer and checked by :func:`keys.verify_checkpoint_signature`.
"""

from __future__ import annotations

import base64
import binascii
import datetime as dt
import re
from dataclasses import dataclass

from keys import kid_from_text, kid_text
from registry.errors import RegistryError
from registry.log.merkle import HASH_SIZE
from registry.model import parse_region

ORIGIN_PREFIX = "cecert-registry/"
"""Every origin is this prefix followed by the bureau's six-digit region code."""
KID_SIZE = 8
"""Bytes in a key id (:func:`keys.kid_for_spki`)."""
SIGNATURE_SIZE = 64
"""Bytes in a raw ES256 signature (``r || s``)."""
MAX_TREE_SIZE = 2**63 - 1
SIGNATURE_MARK = "\u2014 "
"""An em dash and a space start the signature line, as in a signed note."""
MAX_TEXT = 512
"""Characters. A checkpoint is about 220; anything far larger is refused before parsing."""

_TIME_FORMAT = "%Y-%m-%dT%H:%M:%SZ"
_SIZE = re.compile(r"0|[1-9][0-9]{0,18}")
_TIME = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}Z")


def _bad(message: str) -> RegistryError:
    return RegistryError("bad_checkpoint", message)


def origin_for(region: str) -> str:
    """The origin line of the registry of the bureau with this region code,
    e.g. ``cecert-registry/440100``; raises ``RegistryError('bad_region')``."""
    return ORIGIN_PREFIX + parse_region(region)


def _check_origin(origin: str) -> None:
    region = origin.removeprefix(ORIGIN_PREFIX)
    try:
        valid = origin.startswith(ORIGIN_PREFIX) and parse_region(region) == region
    except RegistryError:
        valid = False
    if not valid:
        raise _bad(f"origin {origin!r} is not {ORIGIN_PREFIX}<six-digit region code>")


def _b64_strict(text: str, what: str) -> bytes:
    """Standard base64 with padding, in its one canonical spelling."""
    try:
        raw = base64.b64decode(text.encode("ascii"), validate=True)
    except (binascii.Error, UnicodeEncodeError) as exc:
        raise _bad(f"{what} is not base64") from exc
    if base64.b64encode(raw).decode("ascii") != text:
        raise _bad(f"{what} is not canonical base64")
    return raw


@dataclass(frozen=True, slots=True)
class Checkpoint:
    """A signed statement that the registry's event log had ``tree_size`` events whose
    Merkle tree (RFC 9162) has the root ``root_hash``.

    Built values are checked (``RegistryError('bad_checkpoint')``), but the signature is not:
    a ``Checkpoint`` proves nothing until :func:`registry.log.check_checkpoint` (or
    :func:`keys.verify_checkpoint_signature` over :meth:`body`) has accepted it.
    """

    origin: str
    """Whose log: ``cecert-registry/<region>`` (:func:`origin_for`)."""
    tree_size: int
    """Number of events covered: the events with ``seq`` 1 to ``tree_size``."""
    root_hash: bytes
    """32-byte Merkle Tree Hash of those events' hashes (:func:`registry.log.root_for`)."""
    at: dt.datetime
    """When the checkpoint was made: time-zone aware, whole seconds; written in UTC."""
    kid: bytes
    """Key id (8 bytes) of the trust-list QR key that signed the body."""
    signature: bytes
    """Raw ES256 signature (64 bytes, ``r || s``) of :meth:`body`."""

    def __post_init__(self) -> None:
        _check_origin(self.origin)
        if (
            not isinstance(self.tree_size, int)
            or isinstance(self.tree_size, bool)
            or not 0 <= self.tree_size <= MAX_TREE_SIZE
        ):
            raise _bad(f"tree size {self.tree_size!r} is not an integer in 0..2^63-1")
        if not isinstance(self.root_hash, bytes) or len(self.root_hash) != HASH_SIZE:
            raise _bad(f"the root hash must be {HASH_SIZE} bytes")
        if self.at.tzinfo is None or self.at.utcoffset() is None:
            raise _bad(f"time {self.at.isoformat()} has no time zone")
        if self.at.microsecond or not _TIME.fullmatch(_utc_text(self.at)):
            raise _bad(f"time {self.at.isoformat()} is not in whole seconds of years 1000-9999")
        if not isinstance(self.kid, bytes) or len(self.kid) != KID_SIZE:
            raise _bad(f"the key id must be {KID_SIZE} bytes")
        if not isinstance(self.signature, bytes) or len(self.signature) != SIGNATURE_SIZE:
            raise _bad(f"the signature must be {SIGNATURE_SIZE} bytes (raw ES256)")

    def body(self) -> bytes:
        """The signed bytes: origin, size, base64 root and UTC time, each ending in ``\\n``."""
        return body_bytes(
            origin=self.origin, tree_size=self.tree_size, root_hash=self.root_hash, at=self.at
        )

    def to_text(self) -> str:
        """The whole checkpoint: the body, an empty line and the signature line."""
        signature = base64.b64encode(self.signature).decode("ascii")
        return f"{self.body().decode('ascii')}\n{SIGNATURE_MARK}{kid_text(self.kid)} {signature}\n"

    @classmethod
    def from_text(cls, text: str) -> Checkpoint:
        """Parse a checkpoint exactly as :meth:`to_text` writes it; raise
        ``RegistryError('bad_checkpoint')`` for anything else.

        Strict on purpose: no carriage returns, extra lines, extra signatures, leading zeros
        or non-canonical base64 are accepted, so one checkpoint has exactly one spelling and
        the body that is checked is the body that was received.
        """
        if not isinstance(text, str) or len(text) > MAX_TEXT:
            raise _bad(f"a checkpoint is a text of at most {MAX_TEXT} characters")
        lines = text.split("\n")
        if len(lines) != 7 or lines[4] != "" or lines[6] != "":
            raise _bad(
                "expected four body lines, an empty line and one signature line, "
                "each ending in a line feed"
            )
        origin, size, root, when, _, signed, _ = lines
        if not _SIZE.fullmatch(size):
            raise _bad(f"tree size {size!r} is not a decimal number without leading zeros")
        root_hash = _b64_strict(root, "the root hash")
        if not _TIME.fullmatch(when):
            raise _bad(f"time {when!r} is not YYYY-MM-DDTHH:MM:SSZ")
        try:
            at = dt.datetime.strptime(when, _TIME_FORMAT).replace(tzinfo=dt.UTC)
        except ValueError as exc:
            raise _bad(f"time {when!r} is not a valid date and time") from exc
        if not signed.startswith(SIGNATURE_MARK):
            raise _bad("the signature line does not start with an em dash and a space")
        parts = signed.removeprefix(SIGNATURE_MARK).split(" ")
        if len(parts) != 2:
            raise _bad("the signature line is not '— <kid> <base64 signature>'")
        kid_part, signature_part = parts
        try:
            kid = kid_from_text(kid_part)
        except (ValueError, UnicodeEncodeError) as exc:
            raise _bad(f"key id {kid_part!r} is not base64url") from exc
        if kid_text(kid) != kid_part:
            raise _bad(f"key id {kid_part!r} is not canonical unpadded base64url")
        checkpoint = cls(
            origin=origin,
            tree_size=int(size),
            root_hash=root_hash,
            at=at,
            kid=kid,
            signature=_b64_strict(signature_part, "the signature"),
        )
        if checkpoint.to_text() != text:  # every field is canonical, so this cannot differ
            raise _bad("the checkpoint does not re-encode to the text received")
        return checkpoint


def read_checkpoints(text: str, source: str) -> list[Checkpoint]:
    """Every checkpoint in ``text``: one or more, each exactly as :meth:`Checkpoint.to_text`
    writes it, one after the other (empty lines between them are allowed). ``source`` names
    the file in errors: ``RegistryError('bad_checkpoint')`` says which checkpoint, from
    which line, is not one."""
    lines = text.split("\n")
    if lines and lines[-1] == "":
        lines.pop()
    found: list[Checkpoint] = []
    index = 0
    while index < len(lines):
        if lines[index] == "":
            index += 1
            continue
        chunk = "\n".join(lines[index : index + 6]) + "\n"
        try:
            found.append(Checkpoint.from_text(chunk))
        except RegistryError as exc:
            raise _bad(
                f"{source} 第 {index + 1} 行起的检查点无法读取 (line {index + 1}: {exc.message})"
            ) from exc
        index += 6
    if not found:
        raise _bad(f"{source} 中没有检查点 ({source}: no checkpoint)")
    return found


def body_bytes(*, origin: str, tree_size: int, root_hash: bytes, at: dt.datetime) -> bytes:
    """The body a checkpoint with these values signs (the values are not checked here)."""
    root = base64.b64encode(root_hash).decode("ascii")
    return f"{origin}\n{tree_size}\n{root}\n{_utc_text(at)}\n".encode("ascii")


def _utc_text(at: dt.datetime) -> str:
    return at.astimezone(dt.UTC).strftime(_TIME_FORMAT)
