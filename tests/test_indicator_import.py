"""The DNP loads further TerriData indicators without code: a long CSV loads whole or not at all,
a bad line is refused with its number and a stable code, and what loads shows on the diagnosis."""

from collections.abc import Iterator
from decimal import Decimal

import pytest
from hypothesis import given, settings, strategies as st
from sqlalchemy import delete, select

from kpt_workflow.audit import security_log
from kpt_workflow.base.errors import DuplicateKey, Forbidden, NotANumber, UnknownTerritory
from kpt_workflow.lifecycle.indicator_series import read_series
from kpt_workflow.services.access import Actor
from kpt_workflow.services.diagnosis import diagnosis
from kpt_workflow.services.reference_imports import import_indicators
from kpt_workflow.storage.tables import TerritoryIndicator
from kpt_workflow.storage.unit_of_work import UnitOfWork

DNP = Actor("dnp-1", "dnp", None)
OFFICE = Actor("ana", "planeacion", "05001")
NEW = "Cobertura neta en educación media (prueba)"
HEADER = "entidad,indicador,anio,valor,unidad,fuente\n"
GOOD = (HEADER + f"05001,{NEW},2022,52.3,%,MEN - SIMAT\n05,{NEW},2022,\"48,1\",%,MEN - SIMAT\n"
        f"01001,{NEW},2022,47.9,%,MEN - SIMAT\n05021,{NEW},2022,39,%,MEN - SIMAT\n")


@pytest.fixture
def clean(engine) -> Iterator[None]:
    """The test indicator is removed afterwards: the PostgreSQL database keeps its reference data
    between tests."""
    yield
    with engine.begin() as conn:
        conn.execute(delete(TerritoryIndicator.__table__).where(TerritoryIndicator.__table__.c.indicator == NEW))


def _import(engine, text: str, actor: Actor = DNP) -> dict:
    with UnitOfWork(engine, write=True) as uow:
        return import_indicators(uow, actor, text, "terridata.csv")


def _stored(engine) -> int:
    with engine.connect() as conn:
        return len(conn.execute(select(TerritoryIndicator.__table__).where(
            TerritoryIndicator.__table__.c.indicator == NEW)).all())


def test_a_new_indicator_imports_and_shows_on_the_diagnosis_beside_department_nation_and_peers(engine, clean):
    result = _import(engine, GOOD)
    assert (result["added"], result["updated"], result["indicators"]) == (4, 0, [NEW])
    with UnitOfWork(engine) as uow:
        row = next(r for r in diagnosis(uow, DNP, "05001")["indicators"] if r["indicator"] == NEW)
        log = security_log.recent(uow.connection, "dnp-1")
    assert (row["value"], row["department"], row["nation"], row["year"]) == (52.3, 48.1, 47.9, 2022)
    assert row["source"] == "MEN - SIMAT" and row["unit"] == "%"
    assert log[-1]["kind"] == "indicadores_importados" and NEW in log[-1]["detail"]
    again = _import(engine, GOOD.replace("52.3", "52.4"))
    assert (again["added"], again["updated"]) == (0, 1)  # a correction


def test_terridata_own_column_names_are_read(engine, clean):
    text = ("Código Departamento,Departamento,Código Entidad,Entidad,Dimensión,Subcategoría,Indicador,Dato Numérico,"
            "Dato Cualitativo,Año,Mes,Fuente,Unidad de Medida\n"
            f"05,Antioquia,05001,Medellín,Educación,Cobertura,{NEW},\"52,3\",,2022,,MEN,%\n")
    assert _import(engine, text)["added"] == 1


@pytest.mark.parametrize(("line", "error", "code"), [
    (f"99999,{NEW},2022,1,%,X", UnknownTerritory, "entidad_desconocida"),
    (f"05001,{NEW},2022,52.3,%,MEN - SIMAT", DuplicateKey, "clave_repetida"),
    (f"05001,{NEW},2023,n.d.,%,X", NotANumber, "valor_no_numerico"),
    (f"05001,{NEW},2023,\"1.234,5\",%,X", NotANumber, "valor_no_numerico"),
    (f"05001,{NEW},2023,1e9999999,%,X", NotANumber, "valor_no_numerico"),
])
def test_a_bad_line_refuses_the_whole_file_naming_the_line_and_a_stable_code(engine, clean, line, error, code):
    with pytest.raises(error) as refused:
        _import(engine, GOOD + line + "\n")
    assert refused.value.code == code and refused.value.details["line"] == 6
    assert "línea 6" in refused.value.message
    assert _stored(engine) == 0  # all or nothing: the four good lines were not written either


def test_only_the_dnp_or_an_administrator_imports_and_a_refusal_is_logged(engine, clean):
    with pytest.raises(Forbidden):
        _import(engine, GOOD, OFFICE)
    with UnitOfWork(engine) as uow:
        assert security_log.recent(uow.connection, "ana")[-1]["kind"] == "change_forbidden"
    assert _stored(engine) == 0


@settings(max_examples=60, deadline=None)
@given(st.decimals(min_value=Decimal("-1e9"), max_value=Decimal("1e9"), places=3, allow_nan=False),
       st.booleans())
def test_any_plain_decimal_reads_back_as_written(value, comma):
    written = str(value).replace(".", ",") if comma else str(value)
    [read] = read_series(HEADER + f'05001,{NEW},2020,"{written}",%,X\n', "f.csv", {"05001"})
    assert read.value == value
