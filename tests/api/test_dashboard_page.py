"""The DNP's and a department's dashboard (#25, point 4): filters by department (chosen by name),
category, state, period and name; the charts' bars lead to their plans; a department's user is
told its scope; the exports hold the page's rows and say in their name what they hold."""

import csv
import io
import re
from html import unescape

from openpyxl import load_workbook

HOY = {"hoy": "2024-06-30"}


def _plan_ids(html: str) -> list[str]:
    table = html.split('id="tabla-planes"')[1].split("</table>")[0]
    return re.findall(r'<a href="/planes/([^"]+)">', table)


def _plans(new_plan, plan_in_council) -> None:  # type: ignore[no-untyped-def]
    for code in ("05002", "11001", "08"):  # Abejorral, Bogotá, Atlántico: all in alistamiento
        new_plan(code)


def test_the_state_filter_narrows_the_table_and_a_bar_leads_there(new_plan, plan_in_council, page_of):
    _plans(new_plan, plan_in_council)
    dnp = page_of("dnp", "dnp")
    page = dnp.get("/tablero", params=HOY).text
    assert _plan_ids(page) == ["05001-2024", "05002-2024", "08-2024", "11001-2024"]
    bar = re.search(r'<a class="bar-row" href="([^"]+)"><span class="bar-label">Discusión con corporaciones</span>', page)
    assert bar, "the state chart's bar links to its plans"
    narrowed = dnp.get(unescape(bar.group(1)).split("#")[0]).text
    assert _plan_ids(narrowed) == ["05001-2024"]
    assert "Planes (1 de 4)" in narrowed and "Filtrados por estado «Discusión con corporaciones»" in unescape(narrowed)
    assert "Discusión con corporaciones: 1" not in narrowed  # the counts keep the whole scope: the chart still shows every state
    assert re.search(r'<span class="bar-label">Alistamiento</span>.*?<span class="bar-value">3</span>', narrowed)


def test_the_name_search_ignores_case_and_accents(new_plan, plan_in_council, page_of):
    _plans(new_plan, plan_in_council)
    dnp = page_of("dnp", "dnp")
    assert _plan_ids(dnp.get("/tablero", params={**HOY, "nombre": "bogota"}).text) == ["11001-2024"]
    assert _plan_ids(dnp.get("/tablero", params={**HOY, "nombre": "MEDELLÍN"}).text) == ["05001-2024"]
    assert _plan_ids(dnp.get("/tablero", params={**HOY, "nombre": "antioquia"}).text) == ["05001-2024", "05002-2024"]
    nothing = dnp.get("/tablero", params={**HOY, "nombre": "zzz"}).text
    assert _plan_ids(nothing) == [] and "Ningún plan con esos filtros." in nothing


def test_departments_are_chosen_by_name(new_plan, plan_in_council, page_of):
    _plans(new_plan, plan_in_council)
    page = page_of("dnp", "dnp").get("/tablero", params={**HOY, "departamento": "05"}).text
    assert '<option value="05" selected>ANTIOQUIA</option>' in page and '<option value="08" >ATLÁNTICO</option>' in page
    assert "Usted ve el departamento de ANTIOQUIA y sus municipios." in unescape(page)
    assert _plan_ids(page) == ["05001-2024", "05002-2024"]


def test_a_department_is_told_it_sees_its_own_scope_whatever_it_asks(new_plan, plan_in_council, page_of):
    _plans(new_plan, plan_in_council)
    page = unescape(page_of("antioquia", "departamento").get("/tablero", params={**HOY, "departamento": "08"}).text)
    assert _plan_ids(page) == ["05001-2024", "05002-2024"]
    assert ("Usted ve el departamento de ANTIOQUIA y sus municipios, el alcance de su rol. Pidió ATLÁNTICO: su rol "
            "solo consulta su propio departamento.") in page


def test_an_unknown_state_is_refused_in_spanish(page_of):
    response = page_of("dnp", "dnp").get("/tablero", params={**HOY, "estado": "perdido"})
    assert response.status_code == 422 and "Estado 'perdido' desconocido" in unescape(response.text)


def test_exports_hold_the_pages_rows_and_are_named_by_their_filters(new_plan, plan_in_council, page_of):
    _plans(new_plan, plan_in_council)
    dnp = page_of("dnp", "dnp")
    query = {**HOY, "estado": "alistamiento", "nombre": "antioquia"}
    shown = _plan_ids(dnp.get("/tablero", params=query).text)
    assert shown == ["05002-2024"]
    response = dnp.get("/tablero.csv", params=query)
    assert response.headers["content-disposition"] == (
        'attachment; filename="planes_pais_alistamiento_busqueda-antioquia_2024-2027_corte-2024-06-30.csv"')
    assert response.content.startswith("\ufeff".encode())  # Excel reads the accents as UTF-8
    table = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig")), delimiter=";"))
    assert table[0][:3] == ["Plan", "Código DIVIPOLA", "Entidad"] and [row[0] for row in table[1:]] == shown
    book = dnp.get("/tablero.xlsx", params=query)
    assert book.headers["content-disposition"].endswith('_corte-2024-06-30.xlsx"')
    sheets = load_workbook(io.BytesIO(book.content))
    assert [row[0] for row in sheets["Planes"].iter_rows(min_row=2, values_only=True)] == shown
    assert ("Hoja «Planes» filtrada por", "estado «Alistamiento»; nombre con «antioquia»") in list(
        sheets["Acerca de"].iter_rows(values_only=True))
    department = page_of("antioquia", "departamento").get("/tablero.csv", params=HOY)
    assert 'filename="planes_dep-05_2024-2027_corte-2024-06-30.csv"' in department.headers["content-disposition"]


def test_the_header_names_the_user_by_role_and_entity_in_words(page_of):
    header = unescape(page_of("antioquia", "departamento").get("/tablero", params=HOY).text.split("</header>")[0])
    assert "antioquia (departamento · ANTIOQUIA)" in header and "kpt-workflow" not in header
