"""The council's completeness report as a PDF (fpdf2: pure Python, no system libraries), built
below the faces so that the page's download and the evidence bundle (`kpt plan bundle`) print the
same. Every cell wraps at word boundaries (fpdf2's tables), never cut; each requirement carries its
legal basis and each filed document its legal date and SHA-256; the synthetic demo says so on
every page."""

from typing import Any

from fpdf.fonts import FontFace

from kpt_workflow.law.calendar import table_date
from kpt_workflow.law.facts import STATUS_LABELS
from kpt_workflow.reports.pdf_page import FONT, SYNTHETIC, BannerPDF, latin1

COLUMNS = (("Documento", 52), ("Fundamento", 48), ("Estado", 20), ("Fecha legal", 20), ("Número", 26),
           ("SHA-256", 56), ("Plazo", 55))


def _hash(sha256: str | None) -> str:
    """A SHA-256 in two halves, so that it wraps between them."""
    return f"{sha256[:32]} {sha256[32:]}" if sha256 else "-"


def _term(deadline: dict[str, Any] | None) -> str:
    if deadline is None:
        return "-"
    return f"{table_date(deadline['date'])}: {deadline['situation']}" if deadline["date"] else "aún no corre"


def completeness_pdf(report: dict[str, Any], synthetic: bool = False) -> bytes:
    plan = report["plan"]
    pdf = BannerPDF(SYNTHETIC if synthetic else None, orientation="L")
    pdf.set_auto_page_break(True, margin=12)
    pdf.add_page()
    pdf.set_font(FONT, "B", 14)
    pdf.multi_cell(0, 8, new_x="LMARGIN", new_y="NEXT",
                   text=latin1(f"Informe de completitud para {report['words']['la_corporacion']} - plan {plan['id']}"))
    pdf.set_font(FONT, size=10)
    pdf.multi_cell(0, 6, new_x="LMARGIN", new_y="NEXT", text=latin1(
        f"{plan['entity']['name']} ({plan['entity']['code']}), período {plan['period']}. Estado: {plan['state_label']}. "
        f"Corte: {table_date(report['today'])}. "
        f"{'COMPLETO' if report['complete'] else 'INCOMPLETO: documentos faltantes: ' + str(report['missing'])}."))
    pdf.ln(2)
    pdf.set_font(FONT, size=7.5)
    with pdf.table(col_widths=tuple(width for _, width in COLUMNS), text_align="LEFT", line_height=4,
                   headings_style=FontFace(emphasis="BOLD", fill_color=(243, 245, 248))) as table:
        table.row([latin1(title) for title, _ in COLUMNS])
        for line in report["lines"]:
            state = "no exigido" if line["waived"] else STATUS_LABELS.get(line["status"], line["status"])
            table.row([latin1(value) for value in (
                line["label"], line["basis"], state, table_date(line["legal_date"]), line["number"] or "-",
                _hash(line["sha256"]), _term(line["deadline"]))])
    pdf.ln(3)
    pdf.set_font(FONT, size=9)
    for deadline in report["council_deadlines"]:
        pdf.multi_cell(0, 5, new_x="LMARGIN", new_y="NEXT", text=latin1(
            f"{deadline['label']}: {table_date(deadline['date']) if deadline['date'] else 'aún no corre'}"
            f"{' · ' + deadline['situation'] if deadline['date'] else ''}. {deadline['basis']}."))
    pdf.ln(2)
    pdf.set_font(FONT, "B", 10)
    pdf.multi_cell(0, 6, new_x="LMARGIN", new_y="NEXT",
                   text=latin1(f"Decisiones {report['words']['de_la_corporacion']}, sus actos y su fundamento"))
    pdf.set_font(FONT, size=9)
    if not report["outcomes"]:
        pdf.multi_cell(0, 5, new_x="LMARGIN", new_y="NEXT", text=latin1("Aún no hay decisión registrada."))
    for outcome in report["outcomes"]:
        pdf.multi_cell(0, 5, new_x="LMARGIN", new_y="NEXT",
                       text=latin1(f"{table_date(outcome['legal_date'])} · {outcome['step']} -> {outcome['to']}"))
        for line in [*outcome["lines"], *outcome["grounds"]]:
            pdf.multi_cell(0, 5, new_x="LMARGIN", new_y="NEXT", text=latin1(f"   - {line}"))
    return bytes(pdf.output())
