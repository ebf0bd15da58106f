"""Page benchmark: ``PageRenderer.render`` and the QR code, with the ``qrcode`` library as the
QR reference measured in the same run.

    .venv/bin/python bench/page.py --count 300

Builds N certificate pages of synthetic people (one in five with a rare name character, five
activity records each, a 410-character QR text like a real ``CEC1:`` payload), then times, in
one process on one core, with CPU time per call (``time.process_time``; medians):

- ``PageRenderer.render`` of each page (the whole unsigned PDF, QR code included);
- its parts: ``qr_rows`` (our QR encoder), ``qr_path`` (the dark runs as path operators);
- the reference: the ``qrcode`` library's symbol for the same texts at the same version,
  level and fixed mask (``make(fit=False)``), which ``qr_rows`` must equal module for module
  (checked for every text before timing; a difference stops the bench).

Building the renderer (fonts, prepared glyphs) is timed once and reported apart.
"""

from __future__ import annotations

import argparse
import random
import statistics
import sys
import time
from collections.abc import Callable, Sequence
from typing import Any

import qrcode
from benchlib import print_header, synthetic_person, synthetic_records, timed
from qrcode.constants import ERROR_CORRECT_M

from registry.model import Category, CategoryHours, DocumentKind, HoursSummary
from signer.document.content import CertificatePage
from signer.document.page import PageRenderer
from signer.document.qr_code import qr_path
from signer.document.qr_symbol import MASK_PATTERN, qr_rows

BASE45 = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ $%*+-./:"


def pages(count: int, seed: int = 7) -> list[CertificatePage]:
    rng = random.Random(seed)
    made = []
    for index in range(count):
        person = synthetic_person(index, rng)
        records = tuple(synthetic_records(person, index))
        made.append(
            CertificatePage(
                number=f"4401{index:011d}",
                edition=1,
                kind=DocumentKind.ORIGINAL,
                year=2025,
                name=person.name,
                masked_id=person.id_number[:4] + "*" * 10 + person.id_number[-4:],
                employer=person.employer,
                series=person.series,
                title_level=person.title_level,
                summary=HoursSummary(
                    policy_id="gd-2010",
                    categories=(
                        CategoryHours(Category.PUBLIC, 1200, 1080),
                        CategoryHours(Category.PROFESSIONAL, 2760, 2520),
                        CategoryHours(Category.ELECTIVE, 720, 720),
                    ),
                    total_counted=4680,
                    total_required=4320,
                ),
                activities=records,
                issuer_name="广州市人力资源和社会保障局",
                issue_date=records[-1].end_date or records[0].start_date,  # type: ignore[arg-type]
                policy_label="广东省专业技术人员继续教育年度学时要求",
                qr_text="CEC1:" + "".join(rng.choice(BASE45) for _ in range(405)),
            )
        )
    return made


def reference_rows(text: str, version: int) -> list[list[bool]]:
    code = qrcode.QRCode(
        version=version, error_correction=ERROR_CORRECT_M, mask_pattern=MASK_PATTERN
    )
    code.add_data(text, optimize=0)
    code.make(fit=False)
    modules: list[list[bool]] = code.modules  # type: ignore[assignment]
    return modules


def cpu_per_call(function: Callable[[Any], object], items: Sequence[Any]) -> list[float]:
    spent = []
    for item in items:
        start = time.process_time()
        function(item)
        spent.append(time.process_time() - start)
    return spent


def report(label: str, spent: list[float], reference: float | None = None) -> float:
    median = statistics.median(spent) * 1e3
    extra = f"   {reference / median:5.1f}× faster than the reference" if reference else ""
    print(
        f"{label:<42} median {median:7.3f} ms   mean {statistics.fmean(spent) * 1e3:7.3f} ms"
        f"   ({len(spent)} calls){extra}"
    )
    return median


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--count", type=int, default=300, help="pages (default 300)")
    args = parser.parse_args(argv)
    print_header("page render and QR code (bench/page.py)")

    with timed() as build:
        renderer = PageRenderer()
    print(f"PageRenderer() built in {build.wall:.2f} s wall, {build.cpu:.2f} s CPU")
    made = pages(args.count)
    texts = [page.qr_text for page in made]
    versions = [(len(qr_rows(t)) - 17) // 4 for t in texts]
    for text, version in zip(texts, versions, strict=True):
        ours = [[bool(m) for m in row] for row in qr_rows(text)]
        if ours != reference_rows(text, version):
            sys.exit(f"qr_rows differs from the qrcode library for {text!r}")
    print(f"QR texts: {len(texts[0])} characters, version {versions[0]}; symbols equal to qrcode's")
    for page in made[:20]:  # warm the glyph caches as a long batch would have them
        renderer.render(page)

    with timed() as whole:
        page_times = cpu_per_call(renderer.render, made)
    print(f"\n{args.count} pages: {whole.wall:.2f} s wall, {whole.cpu:.2f} s CPU")
    report("PageRenderer.render (whole page)", page_times)
    pairs = list(zip(texts, versions, strict=True))
    reference = report(
        "reference: qrcode matrix, fixed mask", cpu_per_call(lambda p: reference_rows(*p), pairs)
    )
    report("qr_rows (QR matrix)", cpu_per_call(qr_rows, texts), reference)
    rows = [qr_rows(t) for t in texts]
    report("qr_path (dark runs as path operators)", cpu_per_call(qr_path, rows))
    sizes = [len(renderer.render(page)) for page in made[:50]]
    print(f"mean PDF size (first 50): {statistics.fmean(sizes) / 1024:.1f} KiB")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
