"""A plan's standardized diagnostic as a PDF (fpdf2, the same page and Latin-1 text as the
council's report): per section its basis, its figures in a table that wraps at words, the entity's
competencies with their basis and the planning office's text; the synthetic demo's banner on every
page."""

from typing import Any

from fpdf.fonts import FontFace

from kpt_workflow.reports.diagnostic_docx import FIGURE_COLUMNS
from kpt_workflow.reports.pdf_page import FONT, BannerPDF, latin1

WIDTHS = (44, 26, 16, 54, 50)  # mm of FIGURE_COLUMNS on a portrait A4 (190 mm between margins)


def _line(pdf: BannerPDF, text: str, size: float = 10, style: str = "", height: float = 5) -> None:
    pdf.set_font(FONT, style, size)
    pdf.multi_cell(0, height, new_x="LMARGIN", new_y="NEXT", text=latin1(text))


def diagnostic_pdf(shown: dict[str, Any]) -> bytes:
    pdf = BannerPDF(shown["synthetic_note"] if shown["synthetic"] else None)
    pdf.set_auto_page_break(True, margin=12)
    pdf.add_page()
    _line(pdf, shown["title"], 15, "B", 8)
    _line(pdf, shown["intro"])
    for section in shown["sections"]:
        pdf.ln(3)
        _line(pdf, section["title"], 13, "B", 7)
        _line(pdf, f"Fundamento: {section['basis']}.", 9, "I")
        _line(pdf, "Indicadores", 11, "B", 6)
        if section["figures"]:
            pdf.set_font(FONT, size=7.5)
            with pdf.table(col_widths=WIDTHS, text_align="LEFT", line_height=4,
                           headings_style=FontFace(emphasis="BOLD", fill_color=(243, 245, 248))) as table:
                table.row([latin1(title) for title in FIGURE_COLUMNS])
                for f in section["figures"]:
                    table.row([latin1(v) for v in (f["label"], f["value_text"], f["year_text"], f["comparison"] or "-",
                                                   f["source"])])
        else:
            _line(pdf, section["no_figures"], 9)
        if section["competencies"]:
            _line(pdf, "Competencias de la entidad", 11, "B", 6)
            for c in section["competencies"]:
                _line(pdf, f"- {c['text']} ({c['basis']}){' ' + c['condition'] if c['condition'] else ''}", 9)
        for note in section["notes"]:
            _line(pdf, note, 9, "I")
        _line(pdf, "Análisis de la oficina de planeación", 11, "B", 6)
        for text in section["paragraphs"] or [shown["no_text"]]:
            _line(pdf, text)
    return bytes(pdf.output())
