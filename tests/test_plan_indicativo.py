"""The DNP's Plan Indicativo workbook: a plan exported and imported back keeps every value; an
edited workbook imports and the plan shows the edit; a workbook a spreadsheet program re-saved
still imports; every kind of refused cell is reported with its sheet, row and column, and then
nothing is recorded; only the entity's planning office imports; a file that is not an XLSX is
refused."""

import copy
import io
import os
import shutil
import subprocess
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings, strategies as st
from openpyxl import Workbook, load_workbook
from sqlalchemy import Engine

from kpt_workflow import services
from kpt_workflow.audit import replay
from kpt_workflow.base.errors import ArchiveRejected, FileTooLarge, FormatNotAccepted, Forbidden, UnsupportedFile
from kpt_workflow.lifecycle import plan_indicativo_layout as layout
from kpt_workflow.lifecycle.strategy import SOURCES
from kpt_workflow.reference import mga
from kpt_workflow.services.access import Actor, operator
from kpt_workflow.services.plan_indicativo import (WorkbookRefused, export_workbook, import_workbook,
                                                   screen_workbook)
from kpt_workflow.services.sample import INVESTMENT_PLAN, STRATEGIC_PART
from kpt_workflow.services.views import plan_page
from kpt_workflow.storage import pnd_rows
from kpt_workflow.storage.repository import investment_facts, plan_record, program_facts
from kpt_workflow.storage.unit_of_work import UnitOfWork

OFFICE, FOREIGN_OFFICE = Actor("ana", "planeacion", "05001"), Actor("beto", "planeacion", "11001")
COUNCIL, DNP = Actor("concejo", "corporacion", "05001"), Actor("dnp-1", "dnp", None)
ON = date(2024, 3, 1)

# The sample plan with what the workbook adds: yearly goals, a product, regalías and a declared total.
PART: dict[str, Any] = copy.deepcopy(STRATEGIC_PART)
PART["ejes"][0]["programas"][0]["metas"][0]["programacion"] = {"2024": "46.5", "2025": "49", "2027": "55"}
PART["ejes"][0]["programas"][0]["metas"][1]["producto"] = "2201028"
PART["ejes"].append({"nombre": "=Territorio seguro", "programas": [{"codigo": "4003", "nombre": "Agua, con nombre propio", "metas": [
    {"indicador": "MED-AGUA-01", "personalizado": True, "tipo": "producto", "nombre": "Acueductos construidos",
     "unidad": "Número", "producto": "4003018", "linea_base": {"valor": "0.000001", "anio": 2023, "fuente": "SUI"},
     "meta_cuatrienio": "123456789012.123456", "programacion": {"2026": "2", "2027": "3"}}]}]})
MONEY: dict[str, Any] = {"total": 12_000_000_000_000, "lineas": [
    *INVESTMENT_PLAN["lineas"],  # type: ignore[misc]
    {"programa": "4003", "anio": 2025, "fuente": "sgr", "valor": 999_999_999_999_999},
    {"programa": "4003", "anio": 2025, "fuente": "recursos_propios", "valor": 0},
    {"programa": "1702", "anio": 2026, "fuente": "cofinanciacion", "valor": 7}]}


@pytest.fixture
def plan(engine: Engine, new_plan, record_strategy) -> str:  # type: ignore[no-untyped-def]
    plan_id = new_plan()
    record_strategy(plan_id, PART, MONEY)
    return plan_id


def exported(engine: Engine, plan_id: str, actor: Actor = OFFICE) -> bytes:
    with UnitOfWork(engine) as uow:
        return export_workbook(uow, actor, plan_id)[1]


def imported(engine: Engine, plan_id: str, content: bytes, actor: Actor = OFFICE) -> dict[str, Any]:
    upload = screen_workbook(content)
    with UnitOfWork(engine, write=True) as uow:
        return import_workbook(uow, plan_id=plan_id, upload=upload, actor=actor, legal_date=ON)


def shown(engine: Engine, plan_id: str) -> dict[str, Any]:
    """Everything of the plan the workbook carries, as the plan shows it."""
    with UnitOfWork(engine) as uow:
        conn = uow.connection
        return {"programs": program_facts(conn, plan_id), "investments": investment_facts(conn, plan_id),
                "total": plan_record(conn, plan_id).declared_investment_total}


def edited(content: bytes, edit: Any) -> bytes:
    """The workbook opened, changed by `edit(book)` and saved again, as a person would with a
    spreadsheet program."""
    book = load_workbook(io.BytesIO(content))
    edit(book)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def refusals(engine: Engine, plan_id: str, content: bytes) -> list[tuple[str, int | None, str]]:
    version = shown_version(engine, plan_id)
    with pytest.raises(WorkbookRefused) as refused:
        imported(engine, plan_id, content)
    assert shown_version(engine, plan_id) == version  # nothing recorded
    return [(r["sheet"], r["row"], r["column"]) for r in refused.value.details["rechazos"]]


def shown_version(engine: Engine, plan_id: str) -> int:
    with UnitOfWork(engine) as uow:
        return plan_record(uow.connection, plan_id).version


def test_a_round_trip_keeps_every_value(engine: Engine, plan: str) -> None:
    before = shown(engine, plan)
    result = imported(engine, plan, exported(engine, plan))
    assert shown(engine, plan) == before
    assert result["metas"] == 5 and result["lineas"] == len(MONEY["lineas"])
    with UnitOfWork(engine) as uow:
        assert replay.differences(uow.connection) == []
        assert [e["text"] for e in plan_page(uow, OFFICE, plan, date(2024, 6, 1))["history"][:2]] == [
            "Plan plurianual de inversiones registrado desde el libro del Plan Indicativo (XLSX)",
            "Parte estratégica registrada desde el libro del Plan Indicativo (XLSX)"]


def test_an_edited_workbook_imports_and_the_plan_shows_it(engine: Engine, plan: str) -> None:
    def edit(book: Workbook) -> None:
        products = book[layout.PRODUCTOS]
        header = [c.value for c in products[1]]
        products.cell(row=2, column=header.index(layout.META_CUATRIENIO) + 1, value=16000)
        products.append({header.index(layout.PROGRAMA_CODIGO) + 1: "2201", header.index(layout.PRODUCTO_CODIGO) + 1: "2201028",
                         header.index(layout.INDICADOR_CODIGO) + 1: "MED-AULAS", header.index(layout.INDICADOR) + 1: "Aulas nuevas",
                         header.index(layout.UNIDAD) + 1: "Número", header.index(layout.PROPIO) + 1: "Sí",
                         header.index(layout.META_CUATRIENIO) + 1: 40, header.index("Meta 2025") + 1: 10})
        money = book[layout.INVERSIONES]
        money_header = [c.value for c in money[1]]
        money.cell(row=2, column=money_header.index("SGP") + 1, value=1_600_000_000)

    imported(engine, plan, edited(exported(engine, plan), edit))
    goals = {g.indicator_code: g for p in shown(engine, plan)["programs"] for g in p.goals}
    assert goals["220102801"].meta_cuatrienio == Decimal("16000")
    assert goals["MED-AULAS"].custom and goals["MED-AULAS"].programacion == ((2025, Decimal(10)),)
    assert goals["MED-AULAS"].product_code == "2201028" and goals["MED-AULAS"].kind == "producto"
    money = {(i.program_code, i.year, i.source): i.amount for i in shown(engine, plan)["investments"]}
    assert money["2201", 2024, "sgp"] == 1_600_000_000 and money["4003", 2025, "sgr"] == 999_999_999_999_999


def set_cell(book: Workbook, sheet: str, row: int, header: str, value: object) -> None:
    """Write `value` in the column headed `header` (a new column at the end if there is none)."""
    headers = [c.value for c in book[sheet][1]]
    if header not in headers:
        book[sheet].cell(row=1, column=len(headers) + 1, value=header)
        headers.append(header)
    book[sheet].cell(row=row, column=headers.index(header) + 1).value = value


def copy_row(book: Workbook, sheet: str, row: int) -> None:
    book[sheet].append([c.value for c in book[sheet][row]])


P, R, L, M = layout.PRODUCTOS, layout.RESULTADOS, layout.LINEAS, layout.INVERSIONES
REFUSED_CELLS = {  # what is edited → where it is refused
    "producto MGA desconocido": (lambda b: set_cell(b, P, 2, layout.PRODUCTO_CODIGO, "2201999"),
                                 [(P, 2, layout.PRODUCTO_CODIGO)]),
    "producto de otro programa": (lambda b: set_cell(b, P, 2, layout.PRODUCTO_CODIGO, "4003018"),
                                  [(P, 2, layout.PRODUCTO_CODIGO)]),
    "indicador desconocido": (lambda b: set_cell(b, R, 2, layout.INDICADOR_CODIGO, "NO-EXISTE"),
                              [(R, 2, layout.INDICADOR_CODIGO)]),
    "indicador del catálogo en otra hoja": (lambda b: set_cell(b, P, 2, layout.INDICADOR_CODIGO, "R220101"),
                                            [(P, 2, layout.INDICADOR_CODIGO)]),
    "indicador propio sin unidad": (lambda b: set_cell(b, P, 4, layout.UNIDAD, None), [(P, 4, layout.UNIDAD)]),
    "propio ni sí ni no": (lambda b: set_cell(b, P, 4, layout.PROPIO, "tal vez"), [(P, 4, layout.PROPIO)]),
    "valor no numérico": (lambda b: set_cell(b, P, 2, layout.META_CUATRIENIO, "mucho"),
                          [(P, 2, layout.META_CUATRIENIO)]),
    "meta con siete decimales": (lambda b: set_cell(b, R, 2, "Meta 2025", "1.0000001"), [(R, 2, "Meta 2025")]),
    "meta de un año fuera del período": (lambda b: set_cell(b, P, 3, "Meta 2028", 5), [(P, 3, "Meta 2028")]),
    "línea base fuera de la ventana": (lambda b: set_cell(b, R, 3, layout.LINEA_BASE_ANIO, 2010),
                                       [(R, 3, layout.LINEA_BASE_ANIO)]),
    "programa que falta en las líneas": (lambda b: set_cell(b, R, 3, layout.PROGRAMA_CODIGO, "1702"),
                                         [(R, 3, layout.PROGRAMA_CODIGO)]),
    "programa que no está en la MGA": (lambda b: set_cell(b, L, 3, layout.PROGRAMA_CODIGO, "4150"),
                                       [(L, 3, layout.PROGRAMA_CODIGO), (R, 3, layout.PROGRAMA_CODIGO),
                                        (P, 3, layout.PROGRAMA_CODIGO)]),
    "línea estratégica vacía": (lambda b: set_cell(b, L, 2, layout.EJE, "   "),
                                [(L, 2, layout.EJE), (R, 2, layout.PROGRAMA_CODIGO), (P, 2, layout.PROGRAMA_CODIGO)]),
    "programa repetido": (lambda b: copy_row(b, L, 2), [(L, 5, layout.PROGRAMA_CODIGO)]),
    "indicador repetido": (lambda b: copy_row(b, P, 3), [(P, 5, layout.INDICADOR_CODIGO)]),
    "año repetido en el plurianual": (lambda b: copy_row(b, M, 2), [(M, 12, layout.ANIO)]),
    "dinero negativo": (lambda b: set_cell(b, M, 2, "SGP", -5), [(M, 2, "SGP")]),
    "pesos con centavos": (lambda b: set_cell(b, M, 3, "Otros", 10.5), [(M, 3, "Otros")]),
    "año del plurianual fuera del período": (lambda b: set_cell(b, M, 4, layout.ANIO, 2028), [(M, 4, layout.ANIO)]),
    "total declarado negativo": (lambda b: set_cell(b, layout.ACERCA, 7, layout.VALOR, -1),
                                 [(layout.ACERCA, 7, layout.VALOR)]),
    "hoja que falta": (lambda b: b.remove(b[R]), [(R, None, "")]),
    "columna que falta": (lambda b: set_cell(b, M, 1, "Crédito", "Credito bancario"), [(M, 1, "Crédito")]),
}


@pytest.mark.parametrize("edit, where", REFUSED_CELLS.values(), ids=REFUSED_CELLS.keys())
def test_each_refused_cell_is_reported_with_its_sheet_row_and_column(engine: Engine, plan: str, edit, where) -> None:  # type: ignore[no-untyped-def]
    assert refusals(engine, plan, edited(exported(engine, plan), edit)) == where


def test_every_refused_cell_is_reported_at_once_in_spanish(engine: Engine, plan: str) -> None:
    def edit(book: Workbook) -> None:
        set_cell(book, P, 2, layout.META_CUATRIENIO, "mucho")
        set_cell(book, M, 2, "SGP", -5)
    with pytest.raises(WorkbookRefused, match="2 celdas rechazadas; no se registró nada") as refused:
        imported(engine, plan, edited(exported(engine, plan), edit))
    assert refused.value.details["rechazos"] == [
        {"sheet": P, "row": 2, "column": layout.META_CUATRIENIO, "value": "mucho",
         "reason": "debe ser un número escrito con dígitos (0-9), signo y punto decimal opcionales, sin exponente y de "
                   "a lo sumo 40 caracteres"},
        {"sheet": M, "row": 2, "column": "SGP", "value": "-5", "reason": "debe estar entre 0 y 1.000.000.000.000.000"}]


def resaved_like_a_spreadsheet_program(book: Workbook) -> None:
    """What LibreOffice or Excel may leave: numbers as floats, codes typed over as numbers (0101 →
    101), a header in other case, blank rows at the end, a sheet of notes, a date with its time."""
    for sheet in book.worksheets:
        for line in sheet.iter_rows(min_row=2):
            for cell in line:
                if isinstance(cell.value, int) and not isinstance(cell.value, bool):
                    cell.value = float(cell.value)
        for _ in range(3):
            sheet.append([" ", None, ""])
    for sheet, column in ((L, 2), (P, 3), (M, 1)):
        for (cell,) in book[sheet].iter_rows(min_row=2, min_col=column, max_col=column):
            if isinstance(cell.value, str) and cell.value.isdigit():
                cell.value = int(cell.value)
    book[L].cell(row=1, column=2, value="CÓDIGO DEL PROGRAMA ")
    book.create_sheet("Notas de la oficina").append(["Revisar con Hacienda", 3.5])
    set_cell(book, layout.ACERCA, 6, layout.VALOR, datetime(2024, 3, 1, 9, 30))


def test_a_workbook_resaved_by_a_spreadsheet_program_still_round_trips(engine: Engine, new_plan, record_strategy) -> None:  # type: ignore[no-untyped-def]
    plan = new_plan()
    part = copy.deepcopy(PART)
    part["ejes"][1]["programas"].append({"codigo": "0101", "metas": []})  # a program that begins with 0
    record_strategy(plan, part, {**MONEY, "lineas": [*MONEY["lineas"], {"programa": "0101", "anio": 2027,
                                                                         "fuente": "otros", "valor": 1}]})
    before = shown(engine, plan)
    imported(engine, plan, edited(exported(engine, plan), resaved_like_a_spreadsheet_program))
    assert shown(engine, plan) == before


@given(st.decimals(min_value=-10**15, max_value=10**15, allow_nan=False, allow_infinity=False))
def test_a_value_is_a_number_in_its_cell_only_when_a_spreadsheet_keeps_every_digit(value: Decimal) -> None:
    cell = layout.cell_number(value)
    if isinstance(cell, str):
        assert Decimal(cell) == value
    else:
        assert Decimal(f"{cell:.{layout.KEPT_DIGITS}g}") == value


LIBREOFFICE = shutil.which("soffice")


def saved_again_by_libreoffice(content: bytes, directory: Path) -> bytes:
    """The workbook opened and saved again as XLSX by LibreOffice Calc itself (headless, with a
    profile of its own): its reader and writer, not a simulation of what they leave."""
    (directory / "plan.xlsx").write_bytes(content)
    subprocess.run([LIBREOFFICE, "--headless", "--norestore", f"-env:UserInstallation={(directory / 'perfil').as_uri()}",
                    "--convert-to", "xlsx:Calc MS Excel 2007 XML", "--outdir", str(directory / "guardado"),
                    str(directory / "plan.xlsx")], check=True, capture_output=True, timeout=180)
    return (directory / "guardado" / "plan.xlsx").read_bytes()


@pytest.mark.skipif(LIBREOFFICE is None and not os.environ.get("CI"),
                    reason="LibreOffice no está instalado (Debian: libreoffice-calc-nogui)")
def test_a_workbook_saved_again_by_libreoffice_round_trips(engine: Engine, new_plan, record_strategy,  # type: ignore[no-untyped-def]
                                                          tmp_path: Path) -> None:
    """Goals of 16 significant digits too, one more than a spreadsheet's number keeps."""
    assert LIBREOFFICE is not None, "CI sin LibreOffice: .ci/run debe instalar libreoffice-calc-nogui de Debian"
    plan = new_plan()
    part = copy.deepcopy(PART)
    part["ejes"][0]["programas"][0]["metas"][0]["meta_cuatrienio"] = "1234567890.123456"
    part["ejes"][0]["programas"][0]["metas"][0]["programacion"]["2026"] = "98765432101234.56"
    record_strategy(plan, part, MONEY)
    before = shown(engine, plan)
    content = exported(engine, plan)
    resaved = saved_again_by_libreoffice(content, tmp_path)
    assert resaved != content  # LibreOffice wrote a workbook of its own
    imported(engine, plan, resaved)
    assert shown(engine, plan) == before


def test_the_export_says_where_its_values_come_from(engine: Engine, plan: str, synthetic: None) -> None:
    book = load_workbook(io.BytesIO(exported(engine, plan, DNP)))
    assert book.sheetnames == [L, R, P, M, layout.SGR, layout.ACERCA]
    about = {row[0]: row[1] for row in book[layout.ACERCA].iter_rows(min_row=2, values_only=True)}
    assert about["Período"] == "2024–2027" and about[layout.TOTAL_DECLARADO] == 12_000_000_000_000
    assert "SINTÉTICOS" in about["Datos"]
    assert [row[4] for row in book[L].iter_rows(min_row=2, values_only=True)] == ["Sin etiquetar"] * 3
    assert book[L]["A4"].value == "=Territorio seguro" and book[L]["A4"].data_type == "s"  # text, never a formula
    sgr = list(book[layout.SGR].iter_rows(min_row=2, values_only=True))
    assert sgr == [("4003", "Agua, con nombre propio", "4003018", "Alcantarillados construidos", "MED-AGUA-01",
                    "Acueductos construidos", "123456789012.123456", None, 999_999_999_999_999, None, None)]
    assert [c.value for c in book[M][1]][:4] == [layout.PROGRAMA_CODIGO, layout.PROGRAMA, layout.ANIO, "SGP"]
    assert book[M]["J2"].value == "=SUM(D2:I2)"


def test_only_the_entitys_planning_office_imports_and_every_reader_exports(engine: Engine, plan: str) -> None:
    content = exported(engine, plan)
    for reader in (COUNCIL, DNP):
        assert exported(engine, plan, reader) and True
    with pytest.raises(Forbidden):
        imported(engine, plan, content, COUNCIL)
    with pytest.raises(Forbidden):
        imported(engine, plan, content, DNP)
    with pytest.raises(Exception, match="No existe el plan"):
        imported(engine, plan, content, FOREIGN_OFFICE)
    with pytest.raises(Exception, match="No existe el plan"):
        exported(engine, plan, FOREIGN_OFFICE)


def _zip(parts: dict[str, bytes]) -> bytes:
    import zipfile
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in parts.items():
            archive.writestr(name, data)
    return out.getvalue()


NOT_XLSX = {
    "un PDF que se llama .xlsx": (b"%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n", UnsupportedFile),
    "un CSV": ("programa;anio;fuente;valor\n2201;2024;sgp;1\n".encode(), FormatNotAccepted),
    "texto cualquiera": (b"\x00\x01 hola", UnsupportedFile),
    "un DOCX": (_zip({"[Content_Types].xml": b"<Types/>", "word/document.xml": b"<w/>"}), FormatNotAccepted),
    "un XLSX dañado": (_zip({"[Content_Types].xml": b"<Types/>", "xl/workbook.xml": b"<no"}), UnsupportedFile),
    "una bomba ZIP": (_zip({"[Content_Types].xml": b"<Types/>", "xl/workbook.xml": b" " * 70_000_000}),
                      ArchiveRejected),
    "un archivo enorme": (b"PK\x03\x04" + bytes(11 * 1024 * 1024), FileTooLarge),
}


@pytest.mark.parametrize("content, refusal", NOT_XLSX.values(), ids=NOT_XLSX.keys())
def test_a_file_that_is_not_a_real_xlsx_is_refused(content: bytes, refusal: type[Exception]) -> None:
    with pytest.raises(refusal):
        screen_workbook(content)


def test_the_cli_exports_and_imports_and_lists_each_refused_cell(engine: Engine, plan: str, kpt_on, tmp_path) -> None:  # type: ignore[no-untyped-def]
    url = engine.url.render_as_string(hide_password=False)
    out = tmp_path / "plan.xlsx"
    code, said = kpt_on(url, "plan", "indicativo", "exportar", plan, "--out", str(out))
    assert code == 0 and f"Plan Indicativo de {plan} en {out}" in said
    assert kpt_on(url, "plan", "indicativo", "exportar", plan, "--out", str(out))[0] == 1  # never overwritten
    code, said = kpt_on(url, "plan", "indicativo", "importar", plan, str(out), "--fecha", "2024-03-01")
    assert code == 0 and "2 líneas estratégicas, 3 programas, 5 metas; plan plurianual: 11 líneas, total $1.000.012.000.000.006" in said
    bad = tmp_path / "editado.xlsx"
    bad.write_bytes(edited(out.read_bytes(), lambda b: set_cell(b, M, 2, "SGP", -5)))
    code, said = kpt_on(url, "plan", "indicativo", "importar", plan, str(bad), "--fecha", "2024-03-01")
    assert code == 1 and "«Plan plurianual», fila 2, columna «SGP» (valor: -5): debe estar entre 0 y" in said
    code, said = kpt_on(url, "plan", "indicativo", "importar", plan, str(bad), "--fecha", "2024-03-01", "--json")
    assert code == 1 and '"code": "plan_indicativo_rechazado"' in said and '"row": 2' in said
    text = tmp_path / "notas.xlsx"
    text.write_text("esto no es un libro")
    code, said = kpt_on(url, "plan", "indicativo", "importar", plan, str(text))
    assert code == 1 and "Traceback" not in said


# --- Any strategic part and plan plurianual the system accepts comes back from its workbook unchanged.

CATALOG = mga.read_shipped()
PROGRAMS = sorted({p.program_code for p in CATALOG})
PRODUCTS_OF = {code: sorted(p.code for p in CATALOG if p.program_code == code) for code in PROGRAMS}
# Any text but the characters the input refuses (NUL, controls XML cannot carry, U+FFFE/U+FFFF),
# with accents, emoji, a leading '=' or spaces around it.
TEXT = st.text(st.characters(blacklist_categories=("Cc", "Cs"), blacklist_characters="\ufffe\uffff"),
               min_size=1, max_size=25).filter(str.strip) | st.sampled_from(["=SUMA(A1)", " con espacios ", "Ñandú 🌱"])
VALUES = st.decimals(min_value=-10**15, max_value=10**15, places=6) | st.integers(-10**15, 10**15).map(Decimal)


@st.composite
def plans(draw: st.DrawFn) -> tuple[dict[str, Any], dict[str, Any] | None]:
    programs = draw(st.lists(st.sampled_from(PROGRAMS), min_size=1, max_size=4, unique=True))
    ejes = draw(st.lists(TEXT, min_size=1, max_size=3, unique=True))
    chosen: dict[str, list[dict[str, Any]]] = {}
    goal_number = 0
    for code in programs:
        metas = []
        for _ in range(draw(st.integers(0, 3))):
            goal_number += 1
            kind = draw(st.sampled_from(["resultado", "producto"]))
            meta: dict[str, Any] = {
                "indicador": f"HYP-{goal_number}", "personalizado": True, "tipo": kind, "nombre": draw(TEXT),
                "unidad": draw(TEXT),
                "linea_base": {"valor": draw(st.none() | VALUES), "anio": draw(st.none() | st.integers(2014, 2024)),
                               "fuente": draw(st.none() | TEXT)},
                "meta_cuatrienio": draw(st.none() | VALUES),
                "programacion": draw(st.dictionaries(st.sampled_from(["2024", "2025", "2026", "2027"]), VALUES)),
            }
            if kind == "producto" and draw(st.booleans()):
                meta["producto"] = draw(st.sampled_from(PRODUCTS_OF[code]))
            metas.append(meta)
        chosen.setdefault(draw(st.sampled_from(ejes)), []).append(
            {"codigo": code, "nombre": draw(st.none() | TEXT), "metas": metas})
    part = {"ejes": [{"nombre": name, "programas": programs} for name, programs in chosen.items()]}
    cells = draw(st.lists(st.tuples(st.sampled_from(programs + ["0101"]), st.integers(2024, 2027), st.sampled_from(sorted(SOURCES))),
                          max_size=12, unique=True))
    money = {"total": draw(st.none() | st.integers(0, 10**15)),
             "lineas": [{"programa": p, "anio": y, "fuente": s, "valor": draw(st.integers(0, 10**15))} for p, y, s in cells]}
    return part, money if cells else None


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(drawn=plans())
def test_any_plan_comes_back_from_its_workbook_unchanged(engine: Engine, new_plan, drawn) -> None:  # type: ignore[no-untyped-def]
    part, money = drawn
    plan = _the_plan(engine, new_plan)
    with UnitOfWork(engine, write=True) as uow:
        services.record_strategic_part(uow, plan_id=plan, data=part, actor=operator("test"), legal_date=ON)
    if money is not None:
        with UnitOfWork(engine, write=True) as uow:
            services.record_investment_plan(uow, plan_id=plan, data=money, actor=operator("test"), legal_date=ON)
    before = shown(engine, plan)
    imported(engine, plan, exported(engine, plan))
    assert shown(engine, plan) == before


def _the_plan(engine: Engine, new_plan) -> str:  # type: ignore[no-untyped-def]
    """One plan for all of a test's examples (each records a new version of it)."""
    with UnitOfWork(engine) as uow:
        try:
            return plan_record(uow.connection, "05001-2024").id
        except Exception:
            pass
    return new_plan()


@pytest.mark.parametrize("bad", ["a\x0bb", "línea\rdos", "fin\uffff"])
def test_a_text_a_spreadsheet_cannot_keep_is_refused_at_input(bad: str) -> None:
    from kpt_workflow.base.errors import InvalidInput
    from kpt_workflow.lifecycle.strategy import parse_strategic_part

    part = copy.deepcopy(STRATEGIC_PART)
    part["ejes"][0]["nombre"] = bad  # type: ignore[index]
    with pytest.raises(InvalidInput, match=r"ejes\[0\]\.nombre: contiene el carácter U\+"):
        parse_strategic_part(part)


def test_a_sheet_of_more_rows_than_any_plan_needs_is_refused_before_it_is_judged() -> None:
    from kpt_workflow.base.errors import InvalidInput
    from kpt_workflow.lifecycle.plan_indicativo_import import MAX_ROWS

    book = Workbook()
    book.active.title = L
    for _ in range(MAX_ROWS + 1):
        book.active.append(["Eje", "2201"])
    out = io.BytesIO()
    book.save(out)
    with pytest.raises(InvalidInput, match="«Líneas estratégicas» tiene más de 5.000 filas"):
        screen_workbook(out.getvalue())


def test_the_workbook_says_which_programs_are_in_the_pnd_and_an_import_keeps_their_tags(
        engine: Engine, new_plan, record_strategy) -> None:  # type: ignore[no-untyped-def]
    """«¿En el PND?» reads the programs' PND lines (services.pnd); the workbook does not carry them
    back, so an import keeps each program's lines and initiatives as they were."""
    plan = new_plan()
    part = copy.deepcopy(PART)
    part["ejes"][1]["programas"][0]["pnd"] = ["ordenamiento_agua", "paz_total"]
    record_strategy(plan, part, MONEY)
    book = load_workbook(io.BytesIO(exported(engine, plan)))
    sheet = book[layout.LINEAS]
    header = [cell.value for cell in sheet[1]]
    said = {row[header.index(layout.PROGRAMA_CODIGO)]: row[header.index(layout.EN_PND)]
            for row in sheet.iter_rows(min_row=2, values_only=True)}
    assert said["4003"] == "Sí: Ordenamiento del territorio alrededor del agua y justicia ambiental; Paz total"
    assert {v for k, v in said.items() if k != "4003"} == {"Sin etiquetar"}
    before = shown(engine, plan)
    imported(engine, plan, exported(engine, plan))
    assert shown(engine, plan) == before
    with UnitOfWork(engine) as uow:
        assert pnd_rows.program_tags(uow.connection, plan)["4003"].pnd == ("ordenamiento_agua", "paz_total")
