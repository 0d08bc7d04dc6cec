"""The standardized diagnostic of a plan: one section per sector with the competencies of the
entity's kind and their basis, its figures equal to the shipped data files, the office's text kept
as an audited change (rebuilt by replay), rendered to a DOCX and a PDF that read back, and filed as
the `diagnostico` document that the guards judge."""

import io
from collections.abc import Iterator
from decimal import Decimal

import pytest
from sqlalchemy import delete
from docx import Document
from pypdf import PdfReader

from kpt_workflow.audit import replay
from kpt_workflow.base.errors import Forbidden, InvalidInput, NotFound, PlanNotFound, PlanVersionConflict
from kpt_workflow.base.figures import exact
from kpt_workflow.base.media import DOCX, check
from kpt_workflow.reference import territory
from kpt_workflow.reference.diagnostic import load_catalog
from kpt_workflow.services import diagnostic as builder
from kpt_workflow.services.access import Actor
from kpt_workflow.lifecycle.status import plan_facts
from kpt_workflow.rules import RULES
from kpt_workflow.services.views import plan_page, status
from kpt_workflow.storage.repository import load_plan
from kpt_workflow.storage.tables import TerritoryIndicator
from kpt_workflow.storage.unit_of_work import UnitOfWork
from kpt_workflow.services.reference_imports import import_indicators
from kpt_workflow.services.sample import STRATEGY_DATES

OFFICE, FOREIGN_OFFICE = Actor("ana", "planeacion", "05001"), Actor("beto", "planeacion", "11001")
COUNCIL, DNP, DEPARTMENT = Actor("concejo", "corporacion", "05001"), Actor("dnp-1", "dnp", None), Actor("gob", "departamento", "05")
ON = STRATEGY_DATES[0]
SECTORS = {"educacion", "salud", "agua_saneamiento", "infancia_adolescencia_juventud", "victimas", "gestion_riesgo",
           "ambiente", "transporte"}


def _read(engine, plan_id: str, actor: Actor = OFFICE) -> dict:
    with UnitOfWork(engine) as uow:
        return builder.diagnostic(uow, actor, plan_id)


def _edit(engine, plan_id: str, section: str, text: str, actor: Actor = OFFICE, version: int | None = None) -> dict:
    with UnitOfWork(engine, write=True) as uow:
        return builder.edit_section(uow, plan_id=plan_id, section=section, text=text, actor=actor, legal_date=ON,
                                    expected_version=version)


def _history(uow: UnitOfWork, plan_id: str) -> list[str]:
    """The plan's history as its page says it."""
    return [e["text"] for e in plan_page(uow, OFFICE, plan_id, ON)["history"]]


def _sections(shown: dict) -> dict[str, dict]:
    return {s["code"]: s for s in shown["sections"]}


def _figure(section: dict, label: str) -> dict:
    return next(f for f in section["figures"] if f["label"] == label)


def _file_value(reader, code: str, indicator: str, year: int) -> Decimal:
    return next(v.value for v in reader() if (v.territory_code, v.indicator, v.year) == (code, indicator, year))


def test_every_sector_the_law_names_has_a_section_after_the_context_each_with_its_basis():
    codes = [s.codigo for s in load_catalog().sections]
    assert codes[0] == "contexto" and set(codes[1:]) == SECTORS
    assert all(s.fundamento for s in load_catalog().sections)
    childhood = load_catalog().section("infancia_adolescencia_juventud")
    assert "Ley 1098 de 2006, art. 204" in childhood.fundamento


def test_medellin_s_figures_are_the_data_files_and_its_competencies_a_municipality_s(engine, new_plan):
    shown = _read(engine, new_plan("05001"))
    sections = _sections(shown)
    assert list(sections) == ["contexto", *[s.codigo for s in load_catalog().sectores]]
    people = _figure(sections["contexto"], territory.POPULATION)
    assert people["value"] == 2_616_335 == _file_value(territory.read_population, "05001", territory.POPULATION, 2024)
    assert people["value_text"] == "2.616.335 personas" and people["year"] == 2024 and "DANE" in people["source"]
    ipm = _figure(sections["contexto"], territory.IPM)
    assert Decimal(str(ipm["value"])) == _file_value(territory.read_poverty, "05001", territory.IPM, 2018)
    assert ipm["year"] == 2018 and ipm["value_text"] == "12,8 %" and "Colombia:" in ipm["comparison"]
    assert _figure(sections["contexto"], "Categoría")["value_text"] == "Especial"
    health = sections["salud"]["competencies"]
    assert [c["basis"] for c in health] == ["Ley 715 de 2001, art. 44"]
    education = {c["basis"]: c["condition"] for c in sections["educacion"]["competencies"]}
    assert set(education) == {"Ley 715 de 2001, art. 7", "Ley 715 de 2001, art. 8"}  # certification: not in our data
    assert all("no tiene ese dato" in condition for condition in education.values())
    environment = {c["basis"]: c["condition"] for c in sections["ambiente"]["competencies"]}
    assert "2.616.335" in environment["Ley 99 de 1993, art. 66"]  # over a million inhabitants (DANE)
    assert all(s["no_figures"] for code, s in sections.items() if code != "contexto")  # no sector data shipped
    assert all(s["competencies"] for code, s in sections.items() if code != "contexto")


def test_a_department_gets_the_department_s_competencies_and_its_own_figures(engine, new_plan):
    sections = _sections(_read(engine, new_plan("05"), DNP))
    people = _figure(sections["contexto"], territory.POPULATION)
    assert people["value"] == _file_value(territory.read_population, "05", territory.POPULATION, 2024)
    nbi = _figure(sections["contexto"], territory.NBI_RURAL)
    assert nbi["value_text"] == f"{exact(float(_file_value(territory.read_poverty, '05', territory.NBI_RURAL, 2018)))} %"
    assert [c["basis"] for c in sections["salud"]["competencies"]] == ["Ley 715 de 2001, art. 43"]
    assert [c["basis"] for c in sections["educacion"]["competencies"]] == ["Ley 715 de 2001, art. 6"]
    assert "Ley 1523 de 2012, arts. 13 y 37" in [c["basis"] for c in sections["gestion_riesgo"]["competencies"]]


def test_a_small_municipality_has_no_urban_environmental_authority(engine, new_plan):
    environment = _sections(_read(engine, new_plan("05021"), DNP))["ambiente"]  # Alejandría, category 6
    assert [c["basis"] for c in environment["competencies"]] == ["Ley 99 de 1993, art. 65; Ley 715 de 2001, art. 76 (num. 76.5)"]


IMPORTED = "Cobertura neta en educación media"


@pytest.fixture
def imported(engine) -> Iterator[str]:
    """An indicator the DNP imports for Medellín, removed afterwards: the PostgreSQL database keeps
    its reference data between tests, and Medellín's other sections must stay without figures."""
    with UnitOfWork(engine, write=True) as uow:
        import_indicators(uow, DNP, f"entidad,indicador,anio,valor,unidad,fuente\n05001,{IMPORTED},2022,48.5,%,MEN\n",
                          "t.csv")
    yield IMPORTED
    with engine.begin() as conn:
        conn.execute(delete(TerritoryIndicator.__table__).where(TerritoryIndicator.__table__.c.indicator == IMPORTED))


def test_an_imported_indicator_goes_to_its_sector_with_its_source(engine, new_plan, imported):
    sections = _sections(_read(engine, new_plan("05001")))
    shown = _figure(sections["educacion"], imported)
    assert (shown["value_text"], shown["year"], shown["source"]) == ("48,5 %", 2022, "MEN")
    assert sections["educacion"]["no_figures"] is None
    assert all(f["label"] != imported for f in sections["contexto"]["figures"])


def test_the_office_edits_a_section_as_an_audited_change_that_replay_rebuilds(engine, new_plan):
    plan_id = new_plan("05001")
    before = _read(engine, plan_id)["plan"]["version"]
    done = _edit(engine, plan_id, "salud", "La cobertura en salud es alta.\r\n\r\nFalta el área rural.", version=before)
    assert done["plan_version"] == before + 1
    section = _sections(_read(engine, plan_id, COUNCIL))["salud"]
    assert section["text"] == "La cobertura en salud es alta.\n\nFalta el área rural." and section["edited"].startswith("ana, ")
    _edit(engine, plan_id, "salud", "Segunda versión.")
    assert _sections(_read(engine, plan_id))["salud"]["text"] == "Segunda versión."
    with UnitOfWork(engine) as uow:
        assert replay.differences(uow.connection) == []
        assert "Diagnóstico: se editó la sección «Salud»" in _history(uow, plan_id)
        assert status(uow, OFFICE, plan_id, ON)["version"] == before + 2


def test_only_the_entity_s_planning_office_edits_and_every_reader_of_the_plan_reads(engine, new_plan):
    plan_id = new_plan("05001")
    with pytest.raises(PlanNotFound):
        _edit(engine, plan_id, "salud", "x", FOREIGN_OFFICE)
    with pytest.raises(PlanNotFound):
        _read(engine, plan_id, FOREIGN_OFFICE)
    for reader in (COUNCIL, DNP, DEPARTMENT):
        assert _read(engine, plan_id, reader)["can_change"] is False
        with pytest.raises(Forbidden):
            _edit(engine, plan_id, "salud", "x", reader)
    assert _read(engine, plan_id)["can_change"] is True


def test_bad_input_is_refused_in_spanish_and_nothing_is_written(engine, new_plan):
    plan_id = new_plan("05001")
    version = _read(engine, plan_id)["plan"]["version"]
    with pytest.raises(InvalidInput, match="máximo es 20.000"):
        _edit(engine, plan_id, "salud", "x" * (builder.MAX_SECTION_CHARS + 1))
    with pytest.raises(InvalidInput, match="carácter nulo"):
        _edit(engine, plan_id, "salud", "a\x00b")
    with pytest.raises(NotFound, match="no tiene la sección"):
        _edit(engine, plan_id, "deportes", "x")
    with pytest.raises(PlanVersionConflict):
        _edit(engine, plan_id, "salud", "x", version=version + 5)
    assert _read(engine, plan_id)["plan"]["version"] == version


def _render(engine, plan_id: str, formato: str) -> builder.Rendered:
    with UnitOfWork(engine) as uow:
        return builder.render(uow, COUNCIL, plan_id, formato)


def test_the_docx_opens_and_reads_back_its_sections_figures_competencies_and_text(engine, new_plan):
    plan_id = new_plan("05001")
    _edit(engine, plan_id, "agua_saneamiento", "El acueducto rural necesita inversión.")
    rendered = _render(engine, plan_id, "docx")
    assert rendered.filename == "diagnostico-05001-2024.docx" and check(rendered.content, ["docx"]) == DOCX
    document = Document(io.BytesIO(rendered.content))
    headings = [p.text for p in document.paragraphs if p.style.name == "Heading 1"]
    assert headings == [s.nombre for s in load_catalog().sections]
    text = "\n".join(p.text for p in document.paragraphs)
    cells = [cell.text for table in document.tables for row in table.rows for cell in row.cells]
    assert "2.616.335 personas" in cells and "12,8 %" in cells and "Especial" in cells
    assert "Ley 1448 de 2011, art. 174" in text and "El acueducto rural necesita inversión." in text
    assert "Ley 1098 de 2006, art. 204" in text


def test_the_pdf_parses_and_says_the_same(engine, new_plan, synthetic):
    plan_id = new_plan("05001")
    rendered = _render(engine, plan_id, "pdf")
    text = "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(rendered.content)).pages)
    assert "2.616.335 personas" in text and "Ley 715 de 2001, art. 44" in text and "Víctimas del conflicto armado" in text
    assert text.count("DATOS SINTÉTICOS") == len(PdfReader(io.BytesIO(rendered.content)).pages)
    with pytest.raises(InvalidInput, match="docx o pdf"):
        _render(engine, plan_id, "odt")


def _guard_passes(engine, plan_id: str) -> bool:
    """The rule the step «Radicar el proyecto ante el CTP…» reads, judged on the plan as stored."""
    with UnitOfWork(engine) as uow:
        facts, _ = plan_facts(load_plan(uow.connection, plan_id, ON), ON)
    return RULES["documento_diagnostico"].evaluate(facts).passed


def test_filing_the_diagnostic_records_the_document_the_guard_reads(engine, new_plan, blobs):
    plan_id = new_plan("05001")
    assert not _guard_passes(engine, plan_id)
    with UnitOfWork(engine, write=True) as uow:
        with pytest.raises(Forbidden):
            builder.file_diagnostic(uow, blobs, plan_id=plan_id, actor=COUNCIL)
    with UnitOfWork(engine, write=True) as uow:
        filed = builder.file_diagnostic(uow, blobs, plan_id=plan_id, actor=OFFICE, legal_date=ON)
    assert (filed["doc_type"], filed["version"], filed["media_type"]) == ("diagnostico", 1, DOCX)
    assert check(blobs.get(filed["sha256"]), ["docx"]) == DOCX
    assert _guard_passes(engine, plan_id)
    assert _read(engine, plan_id)["filed"]["version"] == 1
    with UnitOfWork(engine, write=True) as uow:
        again = builder.file_diagnostic(uow, blobs, plan_id=plan_id, actor=OFFICE, formato="pdf", legal_date=ON)
    assert (again["version"], again["media_type"]) == (2, "application/pdf")
    with UnitOfWork(engine) as uow:
        assert replay.differences(uow.connection) == []
        assert any("«Diagnóstico territorial», versión 2" in line for line in _history(uow, plan_id))
