"""The council's printable report (#25, point 3): each requirement with its legal basis, each filed
document with its legal date and SHA-256, the decision and its act once recorded, the synthetic
banner when the data is the demo's, and every text whole (wrapped, never cut)."""

import io
import re

from pypdf import PdfReader

from kpt_workflow.law.calendar import table_date
from kpt_workflow.law import calendar
from kpt_workflow.reports.completeness_pdf import completeness_pdf
from kpt_workflow.services import views
from kpt_workflow.services.access import Actor
from kpt_workflow.storage.unit_of_work import UnitOfWork


def _report(engine, plan_id):  # type: ignore[no-untyped-def]
    with UnitOfWork(engine) as uow:
        return views.council_report(uow, Actor("concejo", "corporacion", "05001"), plan_id, calendar.today_in_colombia())


def _text(pdf: bytes) -> str:
    return " ".join(" ".join(page.extract_text().split()) for page in PdfReader(io.BytesIO(pdf)).pages)


def test_the_pdf_carries_basis_dates_and_hashes_whole(engine, plan_in_council):
    report = _report(engine, plan_in_council)
    text = _text(completeness_pdf(report, synthetic=True))
    assert text.count("DATOS SINTÉTICOS DE DEMOSTRACIÓN") == len(PdfReader(io.BytesIO(completeness_pdf(report, True))).pages)
    filed = [line for line in report["lines"] if line["sha256"]]
    assert filed, "the plan before its council has filed documents"
    for line in filed:
        assert line["sha256"][:32] in text and line["sha256"][32:] in text and table_date(line["legal_date"]) in text
    squeezed = re.sub(r"\s+", "", text)
    for line in report["lines"]:  # wrapped over lines, never cut
        assert re.sub(r"\s+", "", line["label"]) in squeezed and re.sub(r"\s+", "", line["basis"]) in squeezed
    assert "DATOS SINTÉTICOS" not in _text(completeness_pdf(report, synthetic=False))
