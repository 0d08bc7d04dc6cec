"""A plan's standardized diagnostic as a Word document (python-docx): a heading per section, its
figures in a table with their source and year, the entity's competencies with their legal basis,
and the planning office's text, ready to be completed and filed. The synthetic demo says so first."""

import io
from typing import Any

from docx import Document
from docx.shared import Pt

FIGURE_COLUMNS = ("Indicador", "Valor", "Año", "Comparación", "Fuente")


def diagnostic_docx(shown: dict[str, Any]) -> bytes:
    document = Document()
    document.core_properties.title = shown["title"]
    document.core_properties.author = "kpt-workflow"
    document.core_properties.language = "es-CO"
    if shown["synthetic"]:
        document.add_paragraph().add_run(shown["synthetic_note"]).bold = True
    document.add_heading(shown["title"], level=0)
    document.add_paragraph(shown["intro"])
    for section in shown["sections"]:
        _section(document, section, shown["no_text"])
    buffer = io.BytesIO()
    document.save(buffer)
    return buffer.getvalue()


def _section(document: Any, section: dict[str, Any], no_text: str) -> None:
    document.add_heading(section["title"], level=1)
    document.add_paragraph().add_run(f"Fundamento: {section['basis']}.").italic = True
    document.add_heading("Indicadores", level=2)
    if section["figures"]:
        table = document.add_table(rows=1, cols=len(FIGURE_COLUMNS))
        table.style = "Table Grid"
        for cell, title in zip(table.rows[0].cells, FIGURE_COLUMNS):
            cell.text = title
            cell.paragraphs[0].runs[0].bold = True
        for figure in section["figures"]:
            cells = table.add_row().cells
            for cell, value in zip(cells, (figure["label"], figure["value_text"], figure["year_text"],
                                           figure["comparison"] or "—", figure["source"])):
                cell.text = value
                for run in cell.paragraphs[0].runs:
                    run.font.size = Pt(8)
    else:
        document.add_paragraph(section["no_figures"])
    if section["competencies"]:
        document.add_heading("Competencias de la entidad", level=2)
        for competency in section["competencies"]:
            item = document.add_paragraph(style="List Bullet")
            item.add_run(competency["text"] + " ")
            item.add_run(f"({competency['basis']})").italic = True
            if competency["condition"]:
                item.add_run(f" {competency['condition']}").bold = True
    for note in section["notes"]:
        document.add_paragraph().add_run(note).italic = True
    document.add_heading("Análisis de la oficina de planeación", level=2)
    for text in section["paragraphs"] or [no_text]:
        document.add_paragraph(text)
