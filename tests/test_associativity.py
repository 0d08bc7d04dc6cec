"""Associativity options: neighbours by the distance between DIVIPOLA seats, the entities of the
SGR subregion and the department whose plans hold the same programs, and the schemes of Ley 1454
de 2011 from their catalog, each with its basis and requirements."""

from pathlib import Path

import pytest

from kpt_workflow.base.errors import DefinitionError, InvalidInput
from kpt_workflow.reference.associativity import distance_km, load_schemes
from kpt_workflow.services.access import Actor
from kpt_workflow.services.associativity import associativity
from kpt_workflow.storage.unit_of_work import UnitOfWork

READER = Actor("dnp-1", "dnp", None)
PART = {"ejes": [{"nombre": "Agua", "programas": [{"codigo": "4003"}, {"codigo": "2201"}]}]}


def _options(engine, code: str, km: int = 30) -> dict:
    with UnitOfWork(engine) as uow:
        return associativity(uow, READER, code, km, 2024)


def test_haversine_gives_the_known_distance_between_two_points():
    assert distance_km(0, 0, 0, 1) == pytest.approx(111.19, abs=0.01)  # a degree of the equator
    assert distance_km(6.2518, -75.5636, 4.6097, -74.0817) == pytest.approx(245, abs=3)  # Medellín–Bogotá


def test_neighbours_are_the_entities_within_the_distance_nearest_first(engine):
    shown = _options(engine, "05001", 12)
    assert [n["name"] for n in shown["neighbours"]] == ["ITAGÜÍ", "BELLO"]
    assert shown["neighbours"][0]["km"] == pytest.approx(8.7, abs=0.1)
    assert all(n["kind"] == "municipio" for n in _options(engine, "05001", 60)["neighbours"])
    assert {n["code"] for n in _options(engine, "05", 200)["neighbours"]} >= {"17", "66"}  # Caldas, Risaralda


def test_entities_of_the_subregion_and_department_that_hold_the_same_programs_are_named(
        engine, new_plan, record_strategy):
    for code in ("05001", "05088", "05360"):  # Medellín, Bello, Itagüí: Valle del Aburrá
        new_plan(code)
    record_strategy("05001-2024")
    record_strategy("05088-2024", part=PART, investments={"lineas": [
        {"programa": "2201", "anio": 2024, "fuente": "sgp", "valor": 1_000_000}]})
    shown = _options(engine, "05001")
    assert shown["subregion_sgr"] == "Valle del Aburrá"
    [bello] = shown["shared"]
    assert (bello["code"], bello["in_subregion"], bello["in_department"]) == ("05088", True, True)
    assert bello["programs"] == [{"code": "2201", "name": bello["programs"][0]["name"], "funded": True}]


def test_schemes_follow_the_entity_s_kind_with_their_basis(engine):
    municipal = {s["codigo"]: s for s in _options(engine, "05021")["schemes"]}
    assert set(municipal) == {"asociacion_municipios", "provincia_administrativa_planificacion", "area_metropolitana"}
    assert municipal["provincia_administrativa_planificacion"]["fundamento"] == "Ley 1454 de 2011, arts. 10 y 16"
    department = _options(engine, "05", 200)["schemes"]
    assert [s["codigo"] for s in department] == ["region_administrativa_planificacion"]
    assert department[0]["fundamento"].endswith("Ley 1454 de 2011, arts. 10 y 30") and department[0]["requisitos"]


def test_a_distance_outside_its_range_is_refused(engine):
    with pytest.raises(InvalidInput, match="entre 1 y 300"):
        _options(engine, "05001", 0)


def test_a_broken_scheme_catalog_names_the_key(tmp_path: Path):
    path = tmp_path / "asociatividad.yaml"
    path.write_text("version: 1\nesquemas:\n  - codigo: x\n    nombre: X\n", encoding="utf-8")
    with pytest.raises(DefinitionError, match=r"esquemas\[0\]"):
        load_schemes(path)
