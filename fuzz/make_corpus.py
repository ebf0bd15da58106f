"""Rebuild ``fuzz/trust-list.json`` and the seed corpora: ``python -m fuzz.make_corpus``.

Issues the demo certificates in a temporary home exactly as the tests do
(``tests.conftest.make_home``), keeps its trust list and two sealed PDFs, and adds damaged
variants. Payload seeds: every vector of ``tests/vectors/payload-vectors.json`` (genuine and
malformed) as text, the genuine vector's COSE bytes (the target also reads an input as a raw
COSE message), and the issued certificates' payloads. Rerunning replaces the trust list and
the PDFs: regression inputs that need a genuine seal must then be rebuilt too.
"""

from __future__ import annotations

import json
import re
import shutil
import tempfile
from collections.abc import Callable
from io import BytesIO
from pathlib import Path

from pyhanko.pdf_utils import generic
from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter

from fuzz.fixture import HERE, TRUST_LIST_PATH, VECTORS_PATH
from tests.conftest import make_home

PDF_SEEDS = 2


def _write(folder: Path, data: bytes, name: str) -> None:
    (folder / name).write_bytes(data)


def main() -> None:
    payload_dir = HERE / "corpus" / "payload"
    pdf_dir = HERE / "corpus" / "pdf"
    for folder in (payload_dir, pdf_dir):
        shutil.rmtree(folder, ignore_errors=True)
        folder.mkdir(parents=True)
    vectors = json.loads(VECTORS_PATH.read_text("utf-8"))
    for case in vectors["cases"]:
        _write(payload_dir, case["text"].encode("utf-8"), f"vector-{case['name']}")
        if "cose_hex" in case:
            _write(payload_dir, bytes.fromhex(case["cose_hex"]), f"cose-{case['name']}")
    with tempfile.TemporaryDirectory() as tmp:
        issued = make_home(Path(tmp) / "home")
        shutil.copyfile(issued.home.trust_list_path, TRUST_LIST_PATH)
        for index, document in enumerate(issued.documents):
            _write(payload_dir, document.payload.encode("ascii"), f"issued-{index}")
        for index, document in enumerate(issued.documents[:PDF_SEEDS]):
            _write(pdf_dir, issued.pdf(document).read_bytes(), f"genuine-{index}.pdf")
        data = issued.pdf(issued.documents[0]).read_bytes()
    # Damaged variants: the head only, the first half, and the first two revisions only
    # (seal, then validation data: the document timestamp and its own validation data are
    # cut off, so the file is no longer B-LTA).
    _write(pdf_dir, data[:2048], "truncated-head.pdf")
    _write(pdf_dir, data[: len(data) // 2], "truncated-half.pdf")
    ends = [m.end() for m in re.finditer(rb"%%EOF\r?\n?", data)]
    _write(pdf_dir, data[: ends[1]], "without-doc-timestamp.pdf")
    # Incremental updates (the target appends an input that is not a PDF to genuine-0).
    _write(pdf_dir, _update(data, _add_annotation), "update-annotation")
    _write(pdf_dir, _update(data, _change_title), "update-info")


def _update(data: bytes, change: Callable[[IncrementalPdfFileWriter], None]) -> bytes:
    """The bytes of one incremental update of ``data`` made by ``change``."""
    writer = IncrementalPdfFileWriter(BytesIO(data), strict=False)
    change(writer)
    out = BytesIO()
    writer.write(out)
    return out.getvalue()[len(data) :]


def _add_annotation(writer: IncrementalPdfFileWriter) -> None:
    page = writer.root["/Pages"].raw_get("/Kids")[0].get_object()
    note = generic.DictionaryObject(
        {
            generic.NameObject("/Type"): generic.NameObject("/Annot"),
            generic.NameObject("/Subtype"): generic.NameObject("/Text"),
            generic.NameObject("/Rect"): generic.ArrayObject([generic.NumberObject(0)] * 4),
            generic.NameObject("/Contents"): generic.TextStringObject("x"),
        }
    )
    page[generic.NameObject("/Annots")] = generic.ArrayObject([writer.add_object(note)])
    writer.update_container(page)


def _change_title(writer: IncrementalPdfFileWriter) -> None:
    writer.set_info(
        generic.DictionaryObject(
            {generic.NameObject("/Title"): generic.TextStringObject("继续教育证书 (copy)")}
        )
    )


if __name__ == "__main__":
    main()
