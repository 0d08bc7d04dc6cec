"""The standardized diagnostic of a plan: the general context and one section per sector the law
makes the plan look at (catalogs/diagnostico.yaml), each prefilled with the entity's official
figures (`services.diagnosis`, each with its source and year) and with the competencies its kind
has there (with their legal basis), plus the text its planning office writes.

Everyone who sees the plan reads it; only the entity's planning office edits a section (an audited
change of the plan, `diagnostic_section_recorded`, at the version it read) and files it: rendered
to DOCX or PDF and filed as the `diagnostico` document through the same filing use-case as any
other document, so the guards judge it like any other."""

from datetime import date
from typing import Any, NamedTuple

from kpt_workflow.base.errors import InvalidInput, NotFound
from kpt_workflow.base.figures import exact
from kpt_workflow.base.validation import NUL_MESSAGE, has_nul
from kpt_workflow.law import calendar
from kpt_workflow.lifecycle.aggregate import PlanRecord
from kpt_workflow.lifecycle.engine import workflow
from kpt_workflow.reference import territory
from kpt_workflow.reference.diagnostic import Section, load_catalog
from kpt_workflow.reference.document_types import document_label
from kpt_workflow.services.access import Actor, plan_permissions, require_change
from kpt_workflow.services.changes import check_legal_date, commit, event, now, open_change, record
from kpt_workflow.services.diagnosis import CATEGORY_BASIS, CATEGORY_SOURCE, diagnosis
from kpt_workflow.services.documents import Filing, file_in
from kpt_workflow.services.labels import status_label
from kpt_workflow.services.views import seen_plan
from kpt_workflow.storage import diagnostic_rows
from kpt_workflow.storage.blobs import BlobStore
from kpt_workflow.storage.event_encoding import as_utc
from kpt_workflow.storage.repository import holds_synthetic_demo, latest_documents
from kpt_workflow.storage.unit_of_work import UnitOfWork

DOC_TYPE = "diagnostico"
MAX_SECTION_CHARS = 20_000
"""A section's text: about eight pages; a diagnostic longer than that belongs in its own annexes."""
NO_FIGURES = ("El sistema aún no tiene indicadores de este sector para la entidad; el DNP los carga desde "
              "TerriData (kpt entities import-indicators) y aparecerán aquí con su fuente y su año.")
SYNTHETIC = ("DATOS SINTÉTICOS DE DEMOSTRACIÓN: este plan y los textos de sus secciones no corresponden a una "
             "entidad real; las cifras con fuente son las publicadas por el DANE y el DNP.")
NO_TEXT = "(La oficina de planeación aún no escribe el análisis de esta sección.)"
FORMATS = {"docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
           "pdf": "application/pdf"}


class Rendered(NamedTuple):
    content: bytes
    filename: str
    media_type: str


def diagnostic(uow: UnitOfWork, actor: Actor, plan_id: str) -> dict[str, Any]:
    """The plan's diagnostic as the page, the API, the CLI and the renderers show it."""
    return _skeleton(uow, actor, seen_plan(uow, actor, plan_id))


def _skeleton(uow: UnitOfWork, actor: Actor, plan: PlanRecord) -> dict[str, Any]:
    conn = uow.connection
    shown = diagnosis(uow, actor, plan.entity_code, plan.period)
    catalog = load_catalog()
    texts = diagnostic_rows.sections_of(conn, plan.id)
    population = shown["population"]
    people = (population["value"], population["year"]) if population else (None, None)
    rows = [r for r in shown["indicators"] if r["indicator"] != territory.POPULATION]
    placed = {r["indicator"] for r in rows if r["indicator"] not in territory.SHIPPED_INDICATORS
              and any(s.holds(r["indicator"]) for s in catalog.sectores)}
    context = _context_figures(shown) + [_figure(r) for r in rows if r["indicator"] not in placed]
    sections = [_section(catalog.contexto, context, [], texts)]
    for sector in catalog.sectores:
        figures = [_figure(r) for r in rows if r["indicator"] in placed and sector.holds(r["indicator"])]
        sections.append(_section(sector, figures, sector.competencies_for(plan.entity_kind, *people), texts))
    filed = latest_documents(conn, plan.id).get(DOC_TYPE)
    terminal = workflow(plan.definition_name, plan.definition_version).state(plan.state).terminal
    entity, years = shown["entity"], f"{plan.period}–{plan.period + 3}"
    return {
        "plan": {"id": plan.id, "period": plan.period, "period_label": years, "version": plan.version},
        "entity": entity,
        "title": f"Diagnóstico territorial de {entity['name']} ({entity['code']}), plan de desarrollo {years}",
        "intro": (f"{entity['kind_label']}{' del departamento de ' + entity['department_name'] if shown['comparisons']['department'] else ''}. "
                  f"Cada cifra lleva su fuente y su año: el de {plan.period}, o el último publicado antes (si no hay, el primero después). "
                  f"Las competencias salen del catálogo de sectores del sistema, con su fundamento legal."),
        "catalog_version": catalog.version,
        "sections": sections,
        "filed": {"version": filed.version, "legal_date": filed.legal_date.isoformat() if filed.legal_date else None,
                  "status_label": status_label(filed.status)} if filed else None,
        "document_label": document_label(DOC_TYPE, plan.entity_kind),
        "can_change": plan_permissions(actor, plan).changes and not terminal,
        "synthetic": holds_synthetic_demo(conn),
        "synthetic_note": SYNTHETIC,
        "no_text": NO_TEXT,
        "max_chars": MAX_SECTION_CHARS,
        "today": calendar.today_in_colombia().isoformat(),
    }


def _with_unit(value: int | float | None, unit: str) -> str:
    if value is None:
        return "no publicado"
    return f"{exact(value)} %" if unit == "%" else f"{exact(value)} {unit}"


def _figure(row: dict[str, Any]) -> dict[str, Any]:
    """An indicator of `services.diagnosis` with its comparisons in words."""
    beside = [(name, row[key]) for name, key in (("Departamento", "department"), ("Colombia", "nation"))
              if row.get(key) is not None]
    if row.get("peers_median") is not None:
        beside.append((f"mediana de {row['peers_with_value']} pares", row["peers_median"]))
    return {"label": row["indicator"], "value": row["value"], "value_text": _with_unit(row["value"], row["unit"]),
            "year": row["year"], "year_text": str(row["year"]), "source": row["source"],
            "comparison": "; ".join(f"{name}: {_with_unit(value, row['unit'])}" for name, value in beside) or None}


def _context_figures(shown: dict[str, Any]) -> list[dict[str, Any]]:
    """The population and its trend, the category and the territory's descriptors."""
    figures = []
    population = shown["population"]
    if population:
        trend = population["trend"]["entity"]
        figure = _figure(population)
        change = trend["change_percent"]
        if change is not None:
            figure["comparison"] = "; ".join(filter(None, (figure["comparison"], (
                f"variación de la entidad {trend['from']}–{trend['to']}: {exact(change)} %"))))
        figures.append(figure)
    categories = shown["categories"]["years"]
    if categories:
        latest = categories[-1]
        figures.append({"label": "Categoría", "value": None, "value_text": latest["category"], "year": latest["year"],
                        "year_text": str(latest["year"]), "source": CATEGORY_SOURCE,
                        "comparison": f"Fundamento: {CATEGORY_BASIS}"})
    for row in shown["profile"]:
        if row["field"] == "extension_km2":
            value, text = row["value"], _with_unit(row["value"], territory.EXTENSION_UNIT)
        else:
            value, text = None, row["value"] or "no publicado"
        figures.append({"label": row["label"], "value": value, "value_text": text, "year": None,
                        "year_text": "sin año en el archivo", "source": row["source"], "comparison": None})
    return figures


def _section(section: Section, figures: list[dict[str, Any]], competencies: list[dict[str, str | None]],
             texts: dict[str, dict[str, Any]]) -> dict[str, Any]:
    written = texts.get(section.codigo)
    return {"code": section.codigo, "title": section.nombre, "basis": section.fundamento, "figures": figures,
            "no_figures": None if figures else NO_FIGURES, "competencies": competencies, "notes": list(section.notas),
            "text": written["text"] if written else "",
            "paragraphs": [p.strip() for p in written["text"].split("\n\n") if p.strip()] if written else [],
            "edited": (f"{written['edited_by']}, {calendar.colombia_time(as_utc(written['edited_at']))}" if written else None)}


def section_text(text: str) -> str:
    """A section's text as it is kept: line ends as \\n, at most MAX_SECTION_CHARS, no NUL."""
    if has_nul(text):
        raise InvalidInput(f"texto: {NUL_MESSAGE}.", field="texto")
    kept = text.replace("\r\n", "\n").replace("\r", "\n").strip()
    if len(kept) > MAX_SECTION_CHARS:
        raise InvalidInput(f"El texto de la sección tiene {exact(len(kept))} caracteres; el máximo es "
                           f"{exact(MAX_SECTION_CHARS)}. Deje el detalle en anexos.", field="texto")
    return kept


def _catalog_section(code: str) -> Section:
    found = load_catalog().section(code)
    if found is None:
        codes = ", ".join(s.codigo for s in load_catalog().sections)
        raise NotFound(f"El diagnóstico no tiene la sección '{code[:64]}'; sus secciones son: {codes}.", field="seccion")
    return found


def edit_section(uow: UnitOfWork, *, plan_id: str, section: str, text: str, actor: Actor,
                 legal_date: date | None = None, expected_version: int | None = None) -> dict[str, Any]:
    """Replace the text of one section; the prefilled figures and competencies are not the office's
    to edit (they come from the sources and the catalog)."""
    chosen, kept = _catalog_section(section), section_text(text)
    legal_date = legal_date or calendar.today_in_colombia()
    check_legal_date(legal_date, "el diagnóstico")
    plan = open_change(uow, plan_id, expected_version, actor,
                       lambda plan: require_change(actor, plan, "editar el diagnóstico del plan"))
    at = now()
    diagnostic_rows.put_section(uow.connection, diagnostic_rows.section_row(plan.id, chosen.codigo, kept,
                                                                            actor.username, at))
    plan = record(uow, plan, event("diagnostic_section_recorded", actor.username, "editar_diagnostico", legal_date,
                                   {"seccion": chosen.codigo, "texto": kept}, recorded_at=at))
    result = {"plan_id": plan.id, "plan_version": plan.version, "section": chosen.codigo, "title": chosen.nombre,
              "chars": len(kept)}
    commit(uow, plan.id, result)
    return result


def _check_format(formato: str) -> None:
    if formato not in FORMATS:
        raise InvalidInput(f"Formato '{formato[:10]}' desconocido: use docx o pdf.", field="formato")


def _render(shown: dict[str, Any], formato: str) -> Rendered:
    _check_format(formato)
    # Imported here, where a file is written: python-docx and fpdf2 take 0.25 s to load, which
    # every `kpt` command would pay.
    from kpt_workflow.reports.diagnostic_docx import diagnostic_docx
    from kpt_workflow.reports.diagnostic_pdf import diagnostic_pdf

    content = diagnostic_docx(shown) if formato == "docx" else diagnostic_pdf(shown)
    return Rendered(content, f"diagnostico-{shown['plan']['id']}.{formato}", FORMATS[formato])


def render(uow: UnitOfWork, actor: Actor, plan_id: str, formato: str) -> Rendered:
    """The diagnostic as a DOCX (python-docx) or a PDF (fpdf2), for whoever reads the plan."""
    return _render(diagnostic(uow, actor, plan_id), formato)


def file_diagnostic(uow: UnitOfWork, blobs: BlobStore, *, plan_id: str, actor: Actor, formato: str = "docx",
                    legal_date: date | None = None, expected_version: int | None = None) -> dict[str, object]:
    """Render the diagnostic as it stands and file it as a new version of the `diagnostico`
    document, in one transaction, through `documents.file_in`: its bytes pass the same checks, its
    blob is stored and its `document_filed` event recorded as for an uploaded file."""
    _check_format(formato)
    plan = open_change(uow, plan_id, expected_version, actor,
                       lambda plan: require_change(actor, plan, "registrar documentos del plan"))
    rendered = _render(_skeleton(uow, actor, plan), formato)
    filing = Filing(doc_type=DOC_TYPE, content=rendered.content, filename=rendered.filename, legal_date=legal_date)
    plan, result = file_in(uow, blobs, plan, filing, actor.username)
    commit(uow, plan.id, result)
    return result
