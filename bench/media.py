"""How long proving an upload's kind takes (kpt_workflow.base.media.identify), on the largest and the
most awkward files the limits let through, and on hostile ones that must be refused cheaply:

- a 20 MB scanned-like PDF (4 pages of incompressible images) and a 20 MB text PDF (~7,000
  pages from fpdf2): pypdf parses the xref and walks the page tree node by node;
- a hostile PDF of 200,000 one-line pages (21 MB): refused at the page-tree budget (10,000 nodes);
- a hostile PDF of 550,000 empty objects (24.6 MB): pypdf parses its whole xref table, the worst
  accepted case we found;
- the worst zip let through: 1,000 entries with long names; and refused ones: 1,001 entries,
  120,000 entries (refused from the end record, before zipfile reads the directory), and 3,000
  entries hidden behind an end record that claims 3.

Each figure is the best of `--repeat` calls. Run: python bench/media.py [--repeat 3]
"""

import argparse
import io
import os
import struct
import time
import zipfile
from collections.abc import Callable

import _no_shadow  # noqa: F401,E402  (first: see bench/_no_shadow.py)

from fpdf import FPDF  # noqa: E402
from PIL import Image  # noqa: E402

from kpt_workflow.base.errors import KptError  # noqa: E402
from kpt_workflow.base.media import identify  # noqa: E402
from kpt_workflow.services.sample import pdf_of  # noqa: E402


def pdf_of_images(pages: int = 4) -> bytes:
    pdf = FPDF()
    for _ in range(pages):
        pdf.add_page()
        pdf.image(Image.frombytes("RGB", (1400, 1200), os.urandom(1400 * 1200 * 3)), x=0, y=0, w=210)
    return bytes(pdf.output())


def pdf_of_text(pages: int = 7000) -> bytes:
    pdf = FPDF()
    pdf.set_font("helvetica", size=8)
    for _ in range(pages):
        pdf.add_page()
        for line in range(60):
            pdf.cell(text=f"Linea {line} {os.urandom(30).hex()}", new_x="LMARGIN", new_y="NEXT")
    return bytes(pdf.output())


def pdf_of_tiny_pages(groups: int = 200, per_group: int = 1000) -> bytes:
    first_page = 3 + groups
    objects = [b"<< /Type /Catalog /Pages 2 0 R >>",
               b"<< /Type /Pages /Kids [%s] /Count %d >>" % (b" ".join(b"%d 0 R" % (3 + g) for g in range(groups)),
                                                            groups * per_group)]
    objects += [b"<< /Type /Pages /Parent 2 0 R /Kids [%s] /Count %d >>" % (
        b" ".join(b"%d 0 R" % (first_page + g * per_group + i) for i in range(per_group)), per_group)
        for g in range(groups)]
    objects += [b"<< /Type /Page /Parent %d 0 R /MediaBox [0 0 612 792] >>" % (3 + i // per_group)
                for i in range(groups * per_group)]
    return pdf_of(objects)


def pdf_of_empty_objects(count: int = 550_000) -> bytes:
    return pdf_of([b"<< /Type /Catalog /Pages 2 0 R >>", b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
                        b"<< /Type /Page /Parent 2 0 R >>", *[b"null"] * count])


def xlsx_of(entries: int, name_length: int = 1) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_STORED) as archive:
        archive.writestr("[Content_Types].xml", b"<Types/>")
        archive.writestr("xl/workbook.xml", b"<workbook/>")
        for i in range(entries - 2):
            archive.writestr(f"xl/worksheets/{'s' * name_length}{i}.xml", b"<worksheet/>")
    return buffer.getvalue()


def claiming(archive: bytes, entries: int) -> bytes:
    end = archive.rfind(b"PK\x05\x06")
    return archive[:end + 8] + struct.pack("<HH", entries, entries) + archive[end + 12:]


def best_of(repeat: int, content: bytes) -> tuple[float, str]:
    times, outcome = [], ""
    for _ in range(repeat):
        start = time.perf_counter()
        try:
            outcome = identify(content)
        except KptError as refused:
            outcome = f"refused: {refused.details.get('reason')}"
        times.append(time.perf_counter() - start)
    return min(times), outcome


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--repeat", type=int, default=3)
    repeat = parser.parse_args().repeat
    cases: list[tuple[str, Callable[[], bytes]]] = [
        ("PDF, 4 pages of images", pdf_of_images), ("PDF, ~7,000 text pages", pdf_of_text),
        ("PDF, 200,000 tiny pages (hostile)", pdf_of_tiny_pages),
        ("PDF, 550,000 empty objects (hostile)", pdf_of_empty_objects),
        ("XLSX, 1,000 entries, 400-char names", lambda: xlsx_of(1000, 400)),
        ("XLSX, 1,001 entries", lambda: xlsx_of(1001)), ("zip, 120,000 entries", lambda: xlsx_of(120_000)),
        ("zip, 3,000 entries claiming 3", lambda: claiming(xlsx_of(3000), 3)),
    ]
    for label, build in cases:
        content = build()
        seconds, outcome = best_of(repeat, content)
        print(f"{label:40} {len(content) / 1e6:6.1f} MB  {seconds * 1000:8.1f} ms  {outcome}")


if __name__ == "__main__":
    main()
