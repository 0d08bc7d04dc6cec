"""A council's decisions, the steps that bring a draft before it and a side state are declared in
the workflow definition, and the code follows whatever a definition declares: a workflow whose
council "acoge" or "archiva" (tests/workflows/sesion_concejo.yaml) is decided, reported and drawn
without a line of code naming either. On SQLite and PostgreSQL."""

import shutil
from datetime import date
from pathlib import Path

import pytest
import yaml
from sqlalchemy import Engine

from kpt_workflow import services
from kpt_workflow.base.errors import DefinitionError, InvalidInput
from kpt_workflow.lifecycle.engine import use_definitions_from, workflow
from kpt_workflow.lifecycle.loader import load_definition
from kpt_workflow.services import views
from kpt_workflow.services.access import Actor, operator
from kpt_workflow.services.sample import PDF
from kpt_workflow.storage.blobs import BlobStore
from kpt_workflow.storage.unit_of_work import UnitOfWork

SESSION = Path(__file__).parent / "workflows" / "sesion_concejo.yaml"
PLAN = "05001-2024-sesion_concejo"
COUNCIL = Actor("concejo", "corporacion", "05001")
OFFICE = Actor("ana", "planeacion", "05001")


@pytest.fixture
def session_plan(engine: Engine, blobs: BlobStore, definitions_folder: Path) -> str:
    """A plan of the test workflow, before its council."""
    shutil.copy(SESSION, definitions_folder)
    use_definitions_from(definitions_folder)
    with UnitOfWork(engine, write=True) as uow:
        plan_id = services.create_plan(uow, entity_code="05001", period=2024, actor=operator("test"),
                                       legal_date=date(2024, 1, 2), workflow_name="sesion_concejo")["id"]
    with UnitOfWork(engine, write=True) as uow:
        services.file_document(uow, blobs, plan_id=plan_id, actor=OFFICE, filing=services.Filing(
            doc_type="programa_gobierno", content=PDF, filename="programa.pdf", legal_date=date(2024, 1, 3)))
    with UnitOfWork(engine, write=True) as uow:
        services.advance(uow, plan_id=plan_id, trigger="llevar_a_sesion", actor=OFFICE, legal_date=date(2024, 1, 4))
    assert plan_id == PLAN
    return plan_id


def _decide(engine: Engine, blobs: BlobStore, decision: str, **act: object) -> dict[str, object]:
    with UnitOfWork(engine, write=True) as uow:
        return services.record_council_decision(uow, blobs, plan_id=PLAN, decision=decision, actor=COUNCIL,
                                                legal_date=date(2024, 1, 5), **act)  # type: ignore[arg-type]


def test_the_decisions_are_the_definitions_own(session_plan, engine, blobs):
    flow = workflow("sesion_concejo")
    assert {name: step.trigger for name, step in flow.decisions.items()} == {"acoger": "acoger", "archivar": "archivar"}
    assert workflow("pdt").decisions.keys() == {"aprobar", "aprobar_con_modificaciones", "devolver", "negar"}
    with pytest.raises(InvalidInput) as refused:
        _decide(engine, blobs, "aprobar")  # the PDT's word means nothing here
    assert refused.value.message == "Decisión desconocida 'aprobar': use acoger o archivar."
    with pytest.raises(InvalidInput) as unnumbered:
        _decide(engine, blobs, "acoger", content=PDF, filename="acto.pdf")  # it files an act: its number first
    assert unnumbered.value.details["field"] == "numero"
    assert _decide(engine, blobs, "archivar")["to"] == "archivado"


def test_a_decision_that_files_an_act_files_it_with_the_step(session_plan, engine, blobs):
    result = _decide(engine, blobs, "acoger", number="Acuerdo 3", content=PDF, filename="acto.pdf")
    assert (result["to"], result["to_label"]) == ("acogido", "Acogido")
    with UnitOfWork(engine) as uow:
        filed = [d for d in views.documents(uow, COUNCIL, PLAN) if d["doc_type"] == "acto_aprobacion"]
    assert [(d["number"], d["status"]) for d in filed] == [("Acuerdo 3", "radicado")]


def test_the_council_report_lists_the_steps_before_the_council_and_offers_its_decisions(session_plan, engine):
    with UnitOfWork(engine) as uow:
        report = views.council_report(uow, COUNCIL, PLAN, date(2024, 1, 6))
        for_office = views.council_report(uow, OFFICE, PLAN, date(2024, 1, 6))
    assert [line["code"] for line in report["lines"]] == ["programa_gobierno"]  # llevar_a_sesion's rule only
    assert [(d["name"], d["label"], d["act"], d["files_act"]) for d in report["decisions"]] == [
        ("acoger", "Acoger", "Acuerdo que adopta el plan", True), ("archivar", "Archivar sin acto", None, False)]
    assert [[f["name"] for f in d["fields"]] for d in report["decisions"]] == [["fecha", "numero", "file"], ["fecha"]]
    assert for_office["decisions"] == []  # the office does not decide for the council


def test_a_side_state_is_drawn_apart_because_the_definition_says_so(session_plan, engine):
    with UnitOfWork(engine) as uow:
        page = views.plan_page(uow, OFFICE, PLAN, date(2024, 1, 6))
    assert [(s["label"], s["side"]) for s in page["stepper"]] == [
        ("Borrador", False), ("En sesión del concejo", False), ("Acogido", False), ("Archivado", True)]
    assert [s["name"] for s in views.lifecycle(workflow("sesion_concejo")) if s["side"]] == ["archivado"]
    assert [s["name"] for s in views.lifecycle(workflow("pdt")) if s["side"]] == ["negado", "adoptado_por_decreto"]


@pytest.mark.parametrize(("change", "problem"), [
    (lambda t: t[2]["decision"].update(name="acoger"), "transitions[2].decision.name: la decisión 'acoger' ya registra"),
    (lambda t: t[1]["decision"].update(files="acta_inventada"),
     "transitions[1].decision.files: tipo de documento desconocido 'acta_inventada'"),
    (lambda t: t[1].update(by="planeacion"),
     "transitions[1].by: el paso 'acoger' registra una decisión de la corporación; declárelo by: corporacion."),
    (lambda t: t[1]["decision"].update(files="programa_gobierno"),
     "transitions[1].decision.files: el acto 'programa_gobierno' no exige número en el catálogo"),
    (lambda t: t[1].update(rules=["documento_programa_gobierno"]),
     "transitions[1].rules: la decisión radica 'acto_aprobacion' pero ninguna regla del paso 'acoger' lo exige"),
    (lambda t: t[2]["decision"].update(modifications=True),
     "transitions[2].decision.modifications: las modificaciones de la corporación se registran con el acto"),
    (lambda t: t[2]["decision"].update(motivos=True), "transitions[2].decision.motivos: campo desconocido"),
])
def test_the_loader_refuses_a_decision_declared_wrong(tmp_path, change, problem):
    raw = yaml.safe_load(SESSION.read_text(encoding="utf-8"))
    change(raw["transitions"])
    path = tmp_path / "flujo.yaml"
    path.write_text(yaml.safe_dump(raw, allow_unicode=True), encoding="utf-8")
    with pytest.raises(DefinitionError) as refused:
        load_definition(path)
    assert problem in refused.value.message
