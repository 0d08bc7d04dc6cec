"""The planning office's page (#25, point 2): the next legal term and the next thing to do come
first; each unmet requirement links to the form that fixes it; a blocked step cannot be pressed;
the current version of each document is marked."""

import re
from datetime import date
from html import unescape

import pytest

from kpt_workflow import services
from kpt_workflow.services.access import Actor, operator
from kpt_workflow.services.labels import who
from kpt_workflow.services.sample import PDF
from kpt_workflow.storage.unit_of_work import UnitOfWork


def _first(html: str) -> str:
    return unescape(re.sub(r"<[^>]+>", " ", html.split('id="h-ahora"')[1].split("</section>")[0]))


def test_the_page_starts_with_the_next_term_and_what_to_do(new_plan, page_of):
    plan_id = new_plan()
    page = page_of("ana", "planeacion").get(f"/planes/{plan_id}", params={"hoy": "2024-01-15"}).text
    first = " ".join(_first(page).split())
    assert "Próximo plazo legal: Radicar el proyecto ante el Consejo Territorial de Planeación" in first
    assert "29 de febrero de 2024" in first and "faltan 45 días" in first and "A cargo de: Entidad territorial" in first
    assert "Qué hacer ahora: Para «Iniciar la construcción articulada»:" in first
    assert page.index('id="h-ahora"') < page.index('id="pasos"')


def test_each_unmet_requirement_links_to_its_form_and_the_blocked_step_has_no_button(new_plan, page_of):
    plan_id = new_plan()
    office = page_of("ana", "planeacion")
    page = office.get(f"/planes/{plan_id}", params={"hoy": "2024-01-15"}).text
    step = page.split('id="paso-iniciar_construccion"')[1].split("</section>")[0]
    assert "<button" not in step and "se podrá dar cuando se cumplan los requisitos" in step
    links = set(re.findall(r'href="(/planes/[^"]+\?documento=[a-z_0-9]+#radicar)"', step))
    assert f"/planes/{plan_id}?documento=programa_gobierno#radicar" in links
    assert f"/planes/{plan_id}?documento=formato_empalme_01#radicar" in links  # the first format not filed
    form = office.get(f"/planes/{plan_id}", params={"documento": "programa_gobierno"}).text
    assert re.search(r'<option value="programa_gobierno" selected>', form)
    assert "selected" not in office.get(f"/planes/{plan_id}", params={"documento": "<x>"}).text.split('id="doc_type"')[1][:300]


def test_the_council_reads_the_same_plan_without_fix_links_or_buttons(plan_in_council, page_of):
    page = page_of("concejo", "corporacion").get(f"/planes/{plan_in_council}").text
    assert "Hacerlo ahora" not in page and "#radicar" not in page


def test_the_current_version_of_each_document_is_marked(new_plan, file_doc, page_of):
    plan_id = new_plan()
    file_doc(plan_id, "programa_gobierno", date(2023, 11, 1))
    file_doc(plan_id, "programa_gobierno", date(2023, 11, 2))
    page = unescape(page_of("ana", "planeacion").get(f"/planes/{plan_id}").text)
    rows = [re.sub(r"<[^>]+>", " ", row) for row in page.split("<tr>") if "Programa de gobierno inscrito</td>" in row]
    assert [" ".join(r.split()[4:6]) for r in rows] == ["1 (reemplazada)", "2 vigente"]


def test_the_history_says_who_acted_by_name_and_role_not_by_the_audits_code(engine, blobs, page_of):
    """«Quién» reads a user by name and role, the local operator by its system user; the audit
    keeps the name (the API's history and `kpt audit log --json` still give it)."""
    client = page_of("ana", "planeacion")
    with UnitOfWork(engine, write=True) as uow:
        plan_id = str(services.create_plan(uow, entity_code="05001", period=2024, actor=operator("cli:maria"))["id"])
    with UnitOfWork(engine, write=True) as uow:
        services.file_document(uow, blobs, plan_id=plan_id, actor=Actor("ana", "planeacion", "05001"), filing=services.Filing(
            doc_type="acta_informe_gestion", content=PDF, filename="acta.pdf", legal_date=date(2024, 1, 10)))
    rows = client.get(f"/planes/{plan_id}").text.split('id="historia"')[1]
    who = [unescape(re.sub(r"<[^>]+>", "", cells[3])) for cells in
           (re.findall(r"<td[^>]*>(.*?)</td>", row, flags=re.S) for row in rows.split("<tr>")[1:]) if len(cells) > 3]
    assert who == ["ana (Oficina de planeación)", "Operador local (maria)"]
    assert "cli:maria" not in rows


@pytest.mark.parametrize(("name", "role", "kind", "said"), [
    ("sintetico:planeacion", None, "municipio", "Oficina de planeación (demo)"),
    ("sintetico:corporacion", None, "departamento", "Asamblea (demo)"),
    ("cli:root", None, "municipio", "Operador local (root)"),
    ("juan", "corporacion", "municipio", "juan (Concejo)"),
    ("dnp-1", "dnp", "municipio", "dnp-1 (DNP)"),
    ("retirado", None, "municipio", "retirado"),  # a user no longer in the table: the name, as recorded
])
def test_who_names_each_kind_of_actor(name, role, kind, said):
    assert who(name, role, kind) == said
