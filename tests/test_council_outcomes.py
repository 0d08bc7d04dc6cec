"""Every outcome the law gives the council (Ley 152 de 1994, art. 40), declared in pdt.yaml and
recorded with what it must record: approval, approval with modifications (the executive's prior
written acceptance), return for adjustments (the session's act and reasons; a new filing opens a
new month), denial or archive (then the decree, Concepto 2127 de 2013). Through the service and
the CLI, on SQLite and PostgreSQL; the history, the council's report and the audit keep each
outcome with its basis."""

import json
from datetime import date

import pytest

from kpt_workflow.base.errors import Forbidden, GuardFailed, InvalidInput
from kpt_workflow.lifecycle.engine import workflow
from kpt_workflow.services import views
from kpt_workflow.services.access import Actor, operator
from kpt_workflow.storage.unit_of_work import UnitOfWork

OFFICE, COUNCIL = Actor("ana", "planeacion", "05001"), Actor("concejo", "corporacion", "05001")
REASONS = "El plan plurianual no cuadra con el diagnóstico de infancia."
CHANGES = "Se agrega el programa 4102 con metas de primera infancia."


def _failed(refusal: pytest.ExceptionInfo[GuardFailed]) -> list[str]:
    return [c["rule"] for c in refusal.value.details["checklist"] if not c["passed"]]


def _texts(engine, plan_id: str, today: date) -> tuple[list[str], list[str]]:  # type: ignore[no-untyped-def]
    """What the plan page's history and the council's report say of the council's outcomes."""
    with UnitOfWork(engine) as uow:
        page = views.plan_page(uow, COUNCIL, plan_id, today)
        report = views.council_report(uow, COUNCIL, plan_id, today)
    history = [" ".join([e["text"], *e["failed"], *e["basis"]]) for e in page["history"]]
    outcomes = [" ".join([o["step"], o["to"], *o["lines"], *o["grounds"]]) for o in report["outcomes"]]
    return history, outcomes


def _term(engine, plan_id: str, today: date) -> dict[str, object]:  # type: ignore[no-untyped-def]
    with UnitOfWork(engine) as uow:
        status = views.status(uow, COUNCIL, plan_id, today)
    return next(d for d in status["deadlines"] if d["code"] == "decision_corporacion")  # type: ignore[union-attr]


def test_every_outcome_is_declared_as_the_councils_act():
    flow = workflow("pdt")
    assert {name: (step.dest, step.by, step.decision.files, step.decision.texts)  # type: ignore[union-attr]
            for name, step in flow.decisions.items()} == {
        "aprobar": ("aprobado", ("corporacion",), "acto_aprobacion", ()),
        "aprobar_con_modificaciones": ("aprobado", ("corporacion",), "acto_aprobacion", ("modificaciones",)),
        "devolver": ("tramite_ambiental_y_planeacion", ("corporacion",), "acta_sesion_devolucion", ("motivo",)),
        "negar": ("negado", ("corporacion",), "acto_negacion", ("motivo",)),
    }
    denied = flow.state("negado")
    assert denied.side and not denied.terminal
    assert [(t.trigger, t.by) for t in flow.transitions_from("negado")] == [("adoptar_por_decreto", ("planeacion",))]
    term = next(d for d in flow.definition.deadlines if d.code == "decision_corporacion")
    assert term.met_by_codes == ("acto_aprobacion", "acta_sesion_devolucion", "acto_negacion")


def test_approval_stays_as_it_was(engine, plan_in_council, decide):
    result = decide(plan_in_council, "aprobar", date(2024, 5, 20), "Acuerdo 05")
    assert (result["to"], result["decision"]["act"]) == (
        "aprobado", {"doc_type": "acto_aprobacion", "number": "Acuerdo 05", "legal_date": "2024-05-20"})
    assert _term(engine, plan_in_council, date(2024, 6, 1))["met_on"] == "2024-05-20"
    history, outcomes = _texts(engine, plan_in_council, date(2024, 6, 1))
    assert "Decisión: Aprobar" in outcomes[0] and "Acuerdo que adopta el plan: n.º Acuerdo 05 del 20 de mayo de 2024" in outcomes[0]


def test_approval_with_modifications_needs_the_executives_prior_written_acceptance(
        engine, plan_in_council, decide, file_doc):
    with pytest.raises(InvalidInput) as unexplained:  # the council's changes are what it records
        decide(plan_in_council, "aprobar_con_modificaciones", date(2024, 5, 20), "Acuerdo 05")
    assert unexplained.value.details["field"] == "modificaciones"
    with pytest.raises(GuardFailed) as without:
        decide(plan_in_council, "aprobar_con_modificaciones", date(2024, 5, 20), "Acuerdo 05", modifications=CHANGES)
    assert _failed(without) == ["aceptacion_previa_modificaciones"]
    with UnitOfWork(engine) as uow:  # a refused decision files nothing: no acuerdo adopts a plan it did not approve
        filed = {d["doc_type"] for d in views.documents(uow, operator("pruebas"), plan_in_council)}
    assert "acto_aprobacion" not in filed
    failing = next(c for c in without.value.details["checklist"] if not c["passed"])
    assert "aceptación previa y por escrito del alcalde" in failing["message"]
    assert failing["basis"].startswith("Ley 152 de 1994, art. 40: «Toda modificación")
    assert "aceptación previa y por escrito del gobernador o alcalde" in failing["basis"]
    # Accepted in writing only after the act: not prior, refused again.
    file_doc(plan_in_council, "aceptacion_modificaciones", date(2024, 5, 22))
    with pytest.raises(GuardFailed) as late:
        decide(plan_in_council, "aprobar_con_modificaciones", date(2024, 5, 20), "Acuerdo 05", modifications=CHANGES)
    assert _failed(late) == ["aceptacion_previa_modificaciones"]
    # Accepted before the act: the approval takes effect.
    file_doc(plan_in_council, "aceptacion_modificaciones", date(2024, 5, 15))
    result = decide(plan_in_council, "aprobar_con_modificaciones", date(2024, 5, 20), "Acuerdo 05",
                    modifications=CHANGES)
    assert result["to"] == "aprobado" and result["decision"]["modifications"] == CHANGES
    history, outcomes = _texts(engine, plan_in_council, date(2024, 6, 1))
    assert f"Modificaciones: {CHANGES}" in outcomes[0]
    assert "El alcalde aceptó por escrito las modificaciones del concejo el 15 de mayo de 2024" in outcomes[0]
    assert sum("Intento rechazado: «Aprobar con modificaciones por acuerdo u ordenanza»" in h
               and f"Modificaciones: {CHANGES}" in h for h in history) == 2  # each refusal keeps its texts


def test_a_return_records_its_session_and_reasons_and_a_new_filing_opens_a_new_month(
        engine, plan_in_council, decide, file_doc, advance):
    with pytest.raises(InvalidInput) as unexplained:
        decide(plan_in_council, "devolver", date(2024, 5, 10), "Acta 21")
    assert unexplained.value.details["field"] == "motivo"
    result = decide(plan_in_council, "devolver", date(2024, 5, 10), "Acta 21", reasons=REASONS)
    assert result["to"] == "tramite_ambiental_y_planeacion"
    file_doc(plan_in_council, "radicado_corporacion", date(2024, 5, 15), "PA-045-B")
    advance(plan_in_council, "radicar_ante_corporacion", date(2024, 5, 15))
    # The new month runs from the new filing (to 17 June); the first round's return (10 May)
    # does not meet it, though it is dated after the first filing.
    term = _term(engine, plan_in_council, date(2024, 5, 28))
    assert (term["date"], term["met_on"], term["late"]) == ("2024-06-17", None, False)
    # The first month ran out on 27 May; the new one has not: the decree is refused...
    file_doc(plan_in_council, "decreto_adopcion", date(2024, 5, 28), "Decreto 100")
    with pytest.raises(GuardFailed) as early:
        advance(plan_in_council, "adoptar_por_decreto", date(2024, 5, 28))
    assert _failed(early) == ["mes_corporacion_vencido"]
    assert "hasta el 17 de junio de 2024" in next(c["message"] for c in early.value.details["checklist"] if not c["passed"])
    # ...and allowed once the new month ran out without a decision.
    file_doc(plan_in_council, "decreto_adopcion", date(2024, 6, 18), "Decreto 101")
    assert advance(plan_in_council, "adoptar_por_decreto", date(2024, 6, 18))["to"] == "adoptado_por_decreto"
    history, outcomes = _texts(engine, plan_in_council, date(2024, 6, 20))
    returned = next(o for o in outcomes if o.startswith("La corporación devuelve el proyecto para ajustes"))
    assert "Acta de la sesión en que el concejo devolvió el proyecto para ajustes: n.º Acta 21 del 10 de mayo de 2024" in returned
    assert f"Motivos: {REASONS}" in returned
    assert "venció el 17 de junio de 2024 sin decisión" in outcomes[-1]


def test_a_refused_decision_files_no_act_and_meets_no_term(engine, plan_in_council, decide, file_doc, advance):
    """An approval with modifications refused for want of the executive's acceptance leaves no
    acuerdo on file (none adopts the plan) and does not meet the month; once accepted in writing
    it is recorded, and its act meets the month of the refiled draft."""
    decide(plan_in_council, "devolver", date(2024, 5, 10), "Acta 21", reasons=REASONS)
    file_doc(plan_in_council, "radicado_corporacion", date(2024, 5, 15), "PA-045-B")
    advance(plan_in_council, "radicar_ante_corporacion", date(2024, 5, 15))
    with pytest.raises(GuardFailed):
        decide(plan_in_council, "aprobar_con_modificaciones", date(2024, 6, 3), "Acuerdo 9", modifications=CHANGES)
    assert _term(engine, plan_in_council, date(2024, 6, 10))["met_on"] is None
    file_doc(plan_in_council, "aceptacion_modificaciones", date(2024, 6, 1))
    decide(plan_in_council, "aprobar_con_modificaciones", date(2024, 6, 3), "Acuerdo 9", modifications=CHANGES)
    assert _term(engine, plan_in_council, date(2024, 6, 20))["met_on"] == "2024-06-03"


def test_a_denial_opens_the_decree_under_concepto_2127_dated_after_the_denial(
        engine, plan_in_council, decide, file_doc, advance):
    result = decide(plan_in_council, "negar", date(2024, 5, 10), "Acta 30", reasons=REASONS)
    assert (result["to"], result["to_label"]) == ("negado", "Negado o archivado por la corporación")
    assert _term(engine, plan_in_council, date(2024, 5, 12))["met_on"] == "2024-05-10"  # the denial meets the month
    file_doc(plan_in_council, "decreto_adopcion", date(2024, 5, 9), "Decreto 99")
    with pytest.raises(GuardFailed) as before:
        advance(plan_in_council, "adoptar_por_decreto", date(2024, 5, 11))
    assert _failed(before) == ["decreto_tras_negativa"]
    failing = next(c for c in before.value.details["checklist"] if not c["passed"])
    assert "Concepto 2127 de 2013" in failing["message"] and "Concepto 2127 de 2013" in failing["basis"]
    # Dated on or after the denial, the decree need not wait for the council's month (to 27 May).
    file_doc(plan_in_council, "decreto_adopcion", date(2024, 5, 13), "Decreto 100")
    adopted = advance(plan_in_council, "adoptar_por_decreto", date(2024, 5, 13))
    assert adopted["to"] == "adoptado_por_decreto"
    assert any("Concepto 2127 de 2013" in line and "puede adoptar el plan por decreto" in line
               for line in adopted["basis"]), adopted["basis"]
    history, outcomes = _texts(engine, plan_in_council, date(2024, 5, 20))
    assert [o.split(" ")[0] for o in outcomes] == ["Negar", "Adoptar"]
    assert "Acto del concejo que niega o archiva el proyecto de acuerdo: n.º Acta 30 del 10 de mayo de 2024" in outcomes[0]
    assert f"Motivos: {REASONS}" in outcomes[0]
    assert "sala de consulta del consejo de estado (concepto 2127 de 2013)" in outcomes[1].lower()
    assert any("Adoptar por decreto tras la negativa" in h and "Concepto 2127 de 2013" in h for h in history)


def test_each_step_is_taken_only_by_whom_the_definition_declares(engine, plan_in_council, blobs, decide, file_doc):
    from kpt_workflow import services
    from kpt_workflow.services.sample import PDF
    with pytest.raises(Forbidden), UnitOfWork(engine, write=True) as uow:  # the office does not decide for the council
        services.record_council_decision(uow, blobs, plan_id=plan_in_council, decision="negar", actor=OFFICE,
                                         legal_date=date(2024, 5, 10), number="Acta 30", content=PDF,
                                         filename="acta.pdf", reasons=REASONS)
    decide(plan_in_council, "negar", date(2024, 5, 10), "Acta 30", reasons=REASONS)
    file_doc(plan_in_council, "decreto_adopcion", date(2024, 5, 13), "Decreto 100")
    with pytest.raises(Forbidden), UnitOfWork(engine, write=True) as uow:  # nor the council adopts by decree
        services.advance(uow, plan_id=plan_in_council, trigger="adoptar_por_decreto", actor=COUNCIL,
                         legal_date=date(2024, 5, 13))


def test_the_cli_records_each_outcome_and_refuses_in_spanish(engine, plan_in_council, kpt_on, pdf):
    url, plan = engine.url.render_as_string(hide_password=False), plan_in_council
    assert kpt_on(url, "user", "create", "concejal", "--rol", "corporacion", "--entidad", "05001")[0] == 0
    assert kpt_on(url, "user", "create", "ana", "--rol", "planeacion", "--entidad", "05001")[0] == 0
    code, said = kpt_on(url, "plan", "decide", plan, "negar", "--numero", "Acta 30", "--fecha", "2024-05-10",
                        "--archivo", str(pdf), "--como", "concejal")
    assert code == 1 and "Indique los motivos de la decisión («Negar o archivar»)" in said
    code, said = kpt_on(url, "plan", "decide", plan, "negar", "--numero", "Acta 30", "--fecha", "2024-05-10",
                        "--motivo", REASONS, "--archivo", str(pdf), "--como", "ana")
    assert code == 1 and "no puede tomar el paso «Negar o archivar el proyecto»" in said
    code, said = kpt_on(url, "plan", "decide", plan, "negar", "--numero", "Acta 30", "--fecha", "2024-05-10",
                        "--motivo", REASONS, "--archivo", str(pdf), "--como", "concejal")
    assert code == 0, said
    assert "Decisión registrada: «Negar o archivar el proyecto»" in said and "«Negado o archivado por la corporación»" in said
    assert f"Motivos: {REASONS}" in said and "n.º Acta 30 del 10 de mayo de 2024" in said
    assert kpt_on(url, "doc", "file", plan, "decreto_adopcion", str(pdf), "--fecha", "2024-05-09", "--numero",
                  "Decreto 99", "--as", "ana")[0] == 0
    code, said = kpt_on(url, "plan", "advance", plan, "adoptar_por_decreto", "--fecha", "2024-05-11", "--as", "ana")
    assert code == 1 and "Rechazado" in said and "Concepto 2127 de 2013" in said
    assert kpt_on(url, "doc", "file", plan, "decreto_adopcion", str(pdf), "--fecha", "2024-05-13", "--numero",
                  "Decreto 100", "--as", "ana")[0] == 0
    code, said = kpt_on(url, "plan", "advance", plan, "adoptar_por_decreto", "--fecha", "2024-05-13", "--as", "ana",
                        "--json")
    assert code == 0 and json.loads(said)["to"] == "adoptado_por_decreto"
    code, said = kpt_on(url, "audit", "log", plan, "--json")
    denial = next(e for e in json.loads(said) if e["action"] == "negar")
    assert denial["payload"]["decision"] == {"name": "negar", "label": "Negar o archivar", "reasons": REASONS,
                                             "act": {"doc_type": "acto_negacion", "number": "Acta 30",
                                                     "legal_date": "2024-05-10"}}
    assert kpt_on(url, "audit", "verify")[0] == 0
    code, said = kpt_on(url, "audit", "replay", "--check", "--json")
    assert code == 0 and json.loads(said) == {"ok": True, "differences": []}


def test_the_cli_returns_and_approves_with_modifications(engine, plan_in_council, kpt_on, pdf):
    url, plan = engine.url.render_as_string(hide_password=False), plan_in_council
    code, said = kpt_on(url, "plan", "decide", plan, "devolver", "--numero", "Acta 21", "--fecha", "2024-05-10",
                        "--motivo", REASONS, "--archivo", str(pdf), "--json")
    assert code == 0 and json.loads(said)["to"] == "tramite_ambiental_y_planeacion"
    kpt_on(url, "doc", "file", plan, "radicado_corporacion", str(pdf), "--fecha", "2024-05-15", "--numero", "PA-045-B")
    assert kpt_on(url, "plan", "advance", plan, "radicar_ante_corporacion", "--fecha", "2024-05-15")[0] == 0
    code, said = kpt_on(url, "plan", "decide", plan, "aprobar_con_modificaciones", "--numero", "Acuerdo 9", "--fecha",
                        "2024-06-03", "--modificaciones", CHANGES, "--archivo", str(pdf))
    assert code == 1 and "aceptación previa y por escrito" in said and "Ley 152 de 1994, art. 40" in said
    kpt_on(url, "doc", "file", plan, "aceptacion_modificaciones", str(pdf), "--fecha", "2024-06-01")
    code, said = kpt_on(url, "plan", "decide", plan, "aprobar_con_modificaciones", "--numero", "Acuerdo 9", "--fecha",
                        "2024-06-03", "--modificaciones", CHANGES, "--archivo", str(pdf))
    assert code == 0 and "«Aprobado»" in said and f"Modificaciones: {CHANGES}" in said
    code, said = kpt_on(url, "plan", "status", plan, "--hoy", "2024-06-10", "--json")
    term = next(d for d in json.loads(said)["deadlines"] if d["code"] == "decision_corporacion")
    assert (term["date"], term["met_on"]) == ("2024-06-17", "2024-06-03")
    code, said = kpt_on(url, "audit", "replay", "--check", "--json")
    assert code == 0 and json.loads(said)["ok"]
