"""The naive reference issuance pipeline: the same steps as ``Issuer.issue`` written the way
the libraries' documentation shows them, with their defaults, one document at a time.

It is the yardstick of the issuance target ("at least 10× a naive reference measured in the
same run"), never product code. Per person, in this order:

1. eligibility: ``Registry.activities`` and ``registry.hours.evaluate`` (the project's public
   functions: there is no other way to decide eligibility);
2. number: the next number read from a plain ``sqlite3`` table (Python defaults: rollback
   journal, ``synchronous=FULL``);
3. QR payload: ``registry.payload.encode_payload`` (CBOR, COSE_Sign1 ES256, Base45) with the
   active QR key, as cecert does;
4. page: a new reportlab ``Canvas``, the CJK font (WenQuanYi Zen Hei) parsed and registered
   again for this document (with ``font_once=True``: once per process, the stronger
   reference), reportlab's defaults (ASCII85-wrapped streams), the same text
   content as a certificate (titles, holder, hours per category, every counted record,
   issuer, date), a QR code from ``qrcode.QRCode()`` with its defaults (level M, smallest
   fitting version, automatic mask) drawn one ``rect`` per dark module;
5. seal: ``pyhanko.sign.signers.sign_pdf`` with ``PdfSignatureMetadata(field_name=…,
   subfilter=PADES)``: a plain PAdES B-B approval signature, invisible, no ``bytes_reserved``
   (pyHanko signs twice: once to size the container), signing time from the clock, the
   seal key behind a minimal ``Signer``;
6. file: ``Path.write_bytes``;
7. registry: one ``INSERT`` and one ``commit`` per document.

Everything it leaves out makes it *faster* than a faithful naive pipeline, so the ratio it
gives is conservative: no visible seal appearance, no fallback fonts (rare characters of
names are drawn with the one font, i.e. missing), no ``/CECert`` catalog entry, no signature
timestamp, DSS or document timestamp, no fsync of the PDF, no event log.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import secrets
import sqlite3
import time
from collections.abc import Iterator
from contextlib import contextmanager
from io import BytesIO
from pathlib import Path

import qrcode
from asn1crypto import algos, x509
from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
from pyhanko.sign import fields, signers
from pyhanko_certvalidator.registry import SimpleCertificateStore
from reportlab import rl_config
from reportlab.lib.pagesizes import A4
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont
from reportlab.pdfgen.canvas import Canvas

from keys.private import KeyRing, SealSigner
from registry.home import CHINA_TZ, BureauConfig
from registry.hours import Subject, evaluate, get_policy
from registry.idnumber import mask_id_number
from registry.model import Category, DocumentKind, Person
from registry.payload import ID_SALT_BYTES, Claims, encode_payload, id_digest
from registry.store import Registry
from registry.typesetting import FontSet

_FONT = "NaiveCJK"
_WIDTH, _HEIGHT = A4


class _SealKeySigner(signers.Signer):  # type: ignore[misc]
    """The least a pyHanko ``Signer`` needs: the certificate, the chain, a raw signature."""

    def __init__(self, seal: SealSigner) -> None:
        certificate = x509.Certificate.load(seal.certificate.der)
        chain = [x509.Certificate.load(c.der) for c in seal.chain]
        super().__init__(
            signing_cert=certificate,
            cert_registry=SimpleCertificateStore.from_certs([certificate, *chain]),
            signature_mechanism=algos.SignedDigestAlgorithm({"algorithm": "sha256_ecdsa"}),
        )
        self._seal = seal

    async def async_sign_raw(
        self, data: bytes, digest_algorithm: str, dry_run: bool = False
    ) -> bytes:
        return self._seal.sign_der(data)


class NaiveIssuer:
    """Issues the year's certificates of ``registry`` into ``out_dir`` and ``out_dir``'s
    own ``naive.sqlite``; the project's registry is only read."""

    def __init__(
        self,
        *,
        registry: Registry,
        ring: KeyRing,
        config: BureauConfig,
        out_dir: Path,
        font_once: bool = False,
    ) -> None:
        self._registry = registry
        self._font_once = font_once
        self._ring = ring
        self._config = config
        self._out_dir = out_dir
        out_dir.mkdir(parents=True, exist_ok=True)
        self._font_path = str(FontSet.discover().primary.path)
        if font_once:
            pdfmetrics.registerFont(TTFont(_FONT, self._font_path))
        self._signer = _SealKeySigner(ring.seal)
        self._db = sqlite3.connect(out_dir / "naive.sqlite")
        self._db.execute(
            "CREATE TABLE IF NOT EXISTS documents (number TEXT PRIMARY KEY, "
            "id_number TEXT, year INTEGER, payload TEXT, pdf_sha256 TEXT, pdf_path TEXT)"
        )
        self._db.commit()
        self.spent: dict[str, float] = {}
        """Wall seconds spent in each step so far (``perf_counter``)."""

    @contextmanager
    def _step(self, name: str) -> Iterator[None]:
        start = time.perf_counter()
        try:
            yield
        finally:
            self.spent[name] = self.spent.get(name, 0.0) + time.perf_counter() - start

    def close(self) -> None:
        self._db.close()

    def count(self) -> int:
        row = self._db.execute("SELECT COUNT(*) FROM documents").fetchone()
        return int(row[0])

    def issue(self, *, year: int, at: dt.datetime) -> list[Path]:
        """Issue one certificate per eligible person; return the files written."""
        policy = get_policy(self._config.default_policy)
        written: list[Path] = []
        use_a85 = rl_config.useA85
        rl_config.useA85 = 1  # reportlab's default; PageRenderer turns it off process-wide
        try:
            for person in list(self._registry.people()):
                path = self._issue_one(person, policy_id=policy.id, year=year, at=at)
                if path is not None:
                    written.append(path)
        finally:
            rl_config.useA85 = use_a85
        return written

    def _issue_one(
        self, person: Person, *, policy_id: str, year: int, at: dt.datetime
    ) -> Path | None:
        with self._step("eligibility"):
            policy = get_policy(policy_id)
            evaluation = evaluate(
                policy,
                self._registry.activities(person.id_number, year=year),
                year=year,
                subject=Subject.of(person),
            )
        if not evaluation.met:
            return None
        with self._step("number + row + commit"):
            (last,) = self._db.execute("SELECT COUNT(*) FROM documents").fetchone()
            number = f"{self._config.region}{int(last) + 1:09d}"
        summary = evaluation.summary
        salt = secrets.token_bytes(ID_SALT_BYTES)
        issued_on = at.astimezone(CHINA_TZ).date()
        claims = Claims(
            number=number,
            edition=1,
            kind=DocumentKind.ORIGINAL,
            year=year,
            name=person.name,
            masked_id=mask_id_number(person.id_number),
            id_salt=salt,
            id_digest=id_digest(salt, person.id_number),
            hours=(
                summary.counted(Category.PUBLIC),
                summary.counted(Category.PROFESSIONAL),
                summary.counted(Category.ELECTIVE),
                summary.total_counted,
            ),
            policy_id=summary.policy_id,
            issuer=self._config.region,
            issued_on=issued_on,
            title_level=person.title_level,
        )
        with self._step("QR payload"):
            payload = encode_payload(claims, kid=self._ring.qr.kid, sign=self._ring.qr.sign)
        rows = [
            (c.activity.title, c.activity.provider, c.minutes // 60)
            for c in evaluation.contributions
            if c.minutes > 0
        ]
        with self._step("page (font, text, QR)"):
            page = self._page(person, number, year, issued_on, summary.total_counted, rows, payload)
        with self._step("seal (pyHanko B-B)"):
            signed = self._seal(page)
        path = self._out_dir / f"{number}.pdf"
        with self._step("file write"):
            path.write_bytes(signed)
        with self._step("number + row + commit"):
            self._insert(number, person, year, payload, signed, path)
        return path

    def _insert(
        self, number: str, person: Person, year: int, payload: str, signed: bytes, path: Path
    ) -> None:
        self._db.execute(
            "INSERT INTO documents VALUES (?, ?, ?, ?, ?, ?)",
            (
                number,
                person.id_number,
                year,
                payload,
                hashlib.sha256(signed).hexdigest(),
                str(path),
            ),
        )
        self._db.commit()

    def _page(
        self,
        person: Person,
        number: str,
        year: int,
        issued_on: dt.date,
        total_minutes: int,
        rows: list[tuple[str, str, int]],
        payload: str,
    ) -> bytes:
        if not self._font_once:
            with self._step("  of which font registration"):
                pdfmetrics.registerFont(TTFont(_FONT, self._font_path))
        buffer = BytesIO()
        canvas = Canvas(buffer, pagesize=A4)
        canvas.setFont(_FONT, 26)
        canvas.drawCentredString(_WIDTH / 2, _HEIGHT - 100, "专业技术人员继续教育证书")
        canvas.setFont(_FONT, 12)
        canvas.drawCentredString(_WIDTH / 2, _HEIGHT - 125, f"证书编号：{number}")
        lines = [
            f"姓名：{person.name}",
            f"身份证号：{mask_id_number(person.id_number)}",
            f"工作单位：{person.employer}",
            f"职称系列：{person.series}",
            f"{year}年度继续教育学时：共{total_minutes // 60}学时，符合要求。",
        ]
        y = _HEIGHT - 170
        for line in lines:
            canvas.drawString(60, y, line)
            y -= 22
        canvas.setFont(_FONT, 10)
        for title, provider, hours in rows:
            canvas.drawString(60, y, title)
            canvas.drawString(330, y, provider)
            canvas.drawRightString(_WIDTH - 60, y, f"{hours}学时")
            y -= 18
        canvas.setFont(_FONT, 12)
        canvas.drawRightString(_WIDTH - 60, 150, self._config.bureau)
        canvas.drawRightString(_WIDTH - 60, 130, f"{issued_on:%Y年%m月%d日}")
        with self._step("  of which QR matrix (automatic mask)"):
            code = qrcode.QRCode()
            code.add_data(payload)
            code.make(fit=True)
        module = 72 / 50
        for r, row in enumerate(code.modules):
            for c, dark in enumerate(row):
                if dark:
                    canvas.rect(
                        60 + c * module, 60 + (len(row) - r) * module, module, module,
                        stroke=0, fill=1,
                    )  # fmt: skip
        canvas.showPage()
        canvas.save()
        return buffer.getvalue()

    def _seal(self, page: bytes) -> bytes:
        writer = IncrementalPdfFileWriter(BytesIO(page))
        meta = signers.PdfSignatureMetadata(
            field_name="Seal", subfilter=fields.SigSeedSubFilter.PADES
        )
        output = signers.sign_pdf(writer, meta, signer=self._signer)
        return bytes(output.getvalue())
