"""Files handed out: proof files (``/proofs/<declaration>/<sha256>``, for every role whose
scope covers the record, checked by the store) and certificates' PDFs.

Always as attachments, never shown in the page: ``Content-Disposition: attachment``,
``X-Content-Type-Options: nosniff`` and ``Content-Security-Policy: sandbox``, so that a file
crafted to look like a page can run nothing in the portal's origin."""

from __future__ import annotations

import hashlib
import io
from pathlib import Path

from flask import Blueprint, Response, send_file

from portal.web.session import actor, home, proof_files, registry, require_role
from registry import RegistryError
from registry.portal import PortalRole
from registry.store import DocumentRecord

bp = Blueprint("downloads", __name__)
bp.before_request(require_role(*PortalRole))


def attachment(data: bytes, filename: str, media_type: str) -> Response:
    """``data`` as a download named ``filename`` (UTF-8 names are encoded by Werkzeug)."""
    response = send_file(
        io.BytesIO(data), mimetype=media_type, as_attachment=True, download_name=filename,
        max_age=0, etag=False, last_modified=None, conditional=False,
    )  # fmt: skip
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Content-Security-Policy"] = "sandbox"
    response.headers["Cache-Control"] = "private, no-store"
    return response


def certificate_pdf(document: DocumentRecord) -> bytes:
    """The issued PDF of ``document``: where issuance writes it in the home
    (``certificates/<year>/<number>-<edition>.pdf``), else at its recorded path (relative:
    to the home); its bytes must hash to the recorded SHA-256 (``pdf_missing`` otherwise)."""
    root = home()
    recorded = Path(document.pdf_path)
    for path in (
        root.certificates_dir / str(document.year) / f"{document.number}-{document.edition}.pdf",
        recorded if recorded.is_absolute() else root.root / recorded,
    ):
        try:
            data = path.read_bytes()
        except OSError:
            continue
        if hashlib.sha256(data).hexdigest() == document.pdf_sha256:
            return data
    raise RegistryError(
        "pdf_missing",
        f"证书 {document.number}（第 {document.edition} 版）的 PDF 文件缺失或与登记不符，"
        "请联系人社局 (the certificate's PDF is missing or does not match the registry)",
    )


@bp.get("/proofs/<int:declaration>/<sha256>")
def proof(declaration: int, sha256: str) -> Response:
    """A proof file of a record the account may see (403 otherwise, in the store)."""
    found = registry().declarations.proof(actor(), declaration, sha256)
    return attachment(proof_files().read(found.sha256), found.filename, found.media_type.value)


__all__ = ["attachment", "bp", "certificate_pdf"]
