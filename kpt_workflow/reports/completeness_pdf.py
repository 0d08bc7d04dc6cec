"""The council's completeness report as a PDF (fpdf2: pure Python, no system libraries), built
below the faces so that the page's download and the evidence bundle (`kpt plan bundle`) print the same."""

from typing import Any

from fpdf import FPDF

from kpt_workflow.law.facts import STATUS_LABELS

FONT = "Helvetica"


def _text(value: object) -> str:
    """The core PDF fonts are Latin-1: keep Spanish accents, replace what Latin-1 lacks."""
    return str(value).replace("✓", "Sí").replace("✗", "No").replace("→", "->").replace("…", "...") \
        .encode("latin-1", "replace").decode("latin-1")


def completeness_pdf(report: dict[str, Any], synthetic: bool = False) -> bytes:
    plan = report["plan"]
    pdf = FPDF(orientation="L", format="A4")
    pdf.set_auto_page_break(True, margin=12)
    pdf.add_page()
    pdf.set_font(FONT, "B", 14)
    pdf.multi_cell(0, 8, new_x="LMARGIN", new_y="NEXT", text=_text(f"Informe de completitud para {report['words']['la_corporacion']} - plan {plan['id']}"))
    pdf.set_font(FONT, size=10)
    pdf.multi_cell(0, 6, new_x="LMARGIN", new_y="NEXT", text=_text(f"{plan['entity']['name']} ({plan['entity']['code']}), período {plan['period']}. "
                               f"Estado: {plan['state_label']}. Corte: {report['today']}. "
                               f"{'COMPLETO' if report['complete'] else 'INCOMPLETO: documentos faltantes: ' + str(report['missing'])}."))
    if synthetic:
        pdf.multi_cell(0, 6, new_x="LMARGIN", new_y="NEXT", text=_text("Datos SINTÉTICOS de demostración."))
    pdf.ln(2)
    widths = (78, 22, 26, 34, 40, 77)
    pdf.set_font(FONT, "B", 9)
    for width, title in zip(widths, ("Documento", "Estado", "Fecha legal", "Número", "Radicó", "Plazo")):
        pdf.cell(width, 7, _text(title), border=1)
    pdf.ln()
    pdf.set_font(FONT, size=8)
    for line in report["lines"]:
        deadline = line["deadline"]
        term = "" if deadline is None else (
            f"{deadline['date']} - {'tarde' if deadline['late'] else 'a tiempo'}" if deadline["date"] else "aún no corre")
        state = "no exigido" if line["waived"] else STATUS_LABELS.get(line["status"], line["status"])
        cells = (line["label"], state, line["legal_date"] or "-", line["number"] or "-",
                 line["filed_by"] or "-", term)
        for width, value in zip(widths, cells):
            pdf.cell(width, 6, _text(value)[: int(width / 1.7)], border=1)
        pdf.ln()
    pdf.ln(3)
    pdf.set_font(FONT, size=9)
    for deadline in report["council_deadlines"]:
        pdf.multi_cell(0, 5, new_x="LMARGIN", new_y="NEXT", text=_text(f"{deadline['label']}: {deadline['date'] or 'aún no corre'}"
                                   f"{' · ' + deadline['situation'] if deadline['date'] else ''}. {deadline['basis']}."))
    pdf.ln(2)
    pdf.set_font(FONT, "B", 10)
    pdf.multi_cell(0, 6, new_x="LMARGIN", new_y="NEXT",
                   text=_text(f"Decisiones {report['words']['de_la_corporacion']} y su fundamento"))
    pdf.set_font(FONT, size=9)
    if not report["outcomes"]:
        pdf.multi_cell(0, 5, new_x="LMARGIN", new_y="NEXT", text=_text("Aún no hay decisión registrada."))
    for outcome in report["outcomes"]:
        pdf.multi_cell(0, 5, new_x="LMARGIN", new_y="NEXT",
                       text=_text(f"{outcome['legal_date']} · {outcome['step']} -> {outcome['to']}"))
        for line in [*outcome["lines"], *outcome["grounds"]]:
            pdf.multi_cell(0, 5, new_x="LMARGIN", new_y="NEXT", text=_text(f"   - {line}"))
    return bytes(pdf.output())
