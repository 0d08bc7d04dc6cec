"""The entity diagnosis shows the publishers' numbers, each with its source and year, beside the
department's, the nation's and the median of the entity's peers. The expected figures are read
here from the source files themselves (kpt_workflow/reference/data, copies of DANE's and
TerriData's downloads), not from the code under test."""

import csv
import statistics
from decimal import Decimal

import pytest

from kpt_workflow.base.errors import NotFound
from kpt_workflow.reference.indicators import DATA_DIR
from kpt_workflow.services.access import Actor
from kpt_workflow.services.diagnosis import diagnosis
from kpt_workflow.storage.unit_of_work import UnitOfWork

READER = Actor("lector", "corporacion", "11001")  # a council of another entity: public data, every role reads it


def _csv(name: str) -> list[dict[str, str]]:
    with (DATA_DIR / name).open(encoding="utf-8") as handle:
        return list(csv.DictReader(handle))


POPULATION = {row["cod_mpio"]: row for row in _csv("poblacion_dane_2020_2035.csv")}
POVERTY = {row["Código Entidad"]: row for row in _csv("terridata_pobreza_2018.csv")}
DESCRIPTORS = {row["Código Entidad"]: row for row in _csv("terridata_descriptores.csv")}
CATEGORIES = {row["codigo_divipola"]: row for row in _csv("categorias_ley617_2018_2023.csv")}
IPM = "Índice de pobreza multidimensional - IPM"


def _read(engine, code: str, year: int | None = None) -> dict:
    with UnitOfWork(engine) as uow:
        return diagnosis(uow, READER, code, year)


def _row(shown: dict, indicator: str) -> dict:
    return next(r for r in shown["indicators"] if r["indicator"] == indicator)


def test_medellin_shows_its_2024_population_and_category_especial_beside_antioquia_and_the_nation(engine):
    shown = _read(engine, "05001", 2024)
    population = shown["population"]
    assert population["value"] == 2_616_335 and population["year"] == 2024
    assert population["department"] == sum(int(r["pob_2024"]) for r in POPULATION.values() if r["cod_dpto"] == "05")
    assert population["nation"] == sum(int(r["pob_2024"]) for r in POPULATION.values())
    assert "DANE" in population["source"]
    assert shown["categories"]["years"][-1] == {"year": 2023, "category": "Especial"}
    ipm = _row(shown, IPM)
    assert (ipm["value"], ipm["department"], ipm["nation"], ipm["year"]) == (12.8, 21.55, 25.62, 2018)
    assert "CNPV 2018" in ipm["source"] or "Censo Nacional de Población y Vivienda 2018" in ipm["source"]


@pytest.mark.parametrize("code", ["05021", "27001", "91001", "68001", "52835"])
def test_municipal_figures_match_the_source_files_by_hand(engine, code):
    """Alejandría, Quibdó, Leticia, Bucaramanga and Tumaco against DANE's and TerriData's rows."""
    shown = _read(engine, code, 2030)
    assert shown["population"]["value"] == int(POPULATION[code]["pob_2030"])
    for column in (IPM, "IPM - Rural", "Índice de Necesidades Básicas Insatisfechas - NBI - en el área urbana"):
        expected = POVERTY[code][column]
        assert _row(shown, column)["value"] == (float(expected) if expected else None)
    categories = {c["year"]: c["category"] for c in shown["categories"]["years"]}
    assert categories == {year: CATEGORIES[code][f"cat_{year}"] for year in range(2018, 2024)}
    profile = {r["field"]: r["value"] for r in shown["profile"]}
    descriptor = DESCRIPTORS[code]
    assert profile["tipologia"] == descriptor["Tipología (DNP)"] and profile["region"] == descriptor["Región"]
    assert profile["subregion_sgr"] == (descriptor["Subregión (SGR)"] or None)
    assert profile["extension_km2"] == float(descriptor["Extensión"])


def test_the_peers_median_is_taken_over_the_entities_of_the_same_category_and_tipologia(engine):
    shown = _read(engine, "05021")
    tipologia, category = DESCRIPTORS["05021"]["Tipología (DNP)"], CATEGORIES["05021"]["cat_2023"]
    peers = [code for code, row in CATEGORIES.items() if row["nivel"] == "municipio" and row["cat_2023"] == category
             and code != "05021" and DESCRIPTORS.get(code, {}).get("Tipología (DNP)") == tipologia]
    assert shown["comparisons"]["peers"]["count"] == len(peers) > 50
    assert _row(shown, IPM)["peers_median"] == float(statistics.median(Decimal(POVERTY[c][IPM]) for c in peers))
    assert _row(shown, IPM)["peers_with_value"] == len(peers)


def test_bogota_and_a_department_are_compared_with_the_nation_alone(engine):
    bogota, antioquia = _read(engine, "11001", 2024), _read(engine, "05", 2024)
    assert bogota["comparisons"]["department"] is None and antioquia["comparisons"]["department"] is None
    assert _row(antioquia, IPM)["value"] == float(POVERTY["05000"][IPM])
    assert antioquia["population"]["value"] == sum(int(r["pob_2024"]) for r in POPULATION.values() if r["cod_dpto"] == "05")
    assert antioquia["population"]["source"].endswith("suma de sus municipios")
    assert antioquia["comparisons"]["peers"]["label"].startswith("0 departamentos")  # no other Especial with tipología B


def test_an_unknown_code_is_not_found(engine):
    with pytest.raises(NotFound, match="99999"):
        _read(engine, "99999")


@pytest.mark.parametrize(("code", "population_2024", "ipm", "ipm_rural", "category_2023", "tipologia", "km2"), [
    ("05021", 4_955, 31.9, 53.7, "6", "C", 151),  # Alejandría, read off the files by hand
    ("27001", 144_610, 44.4, 78.2, "3", "C", 3_075),  # Quibdó: 6 in 2018, 3 in 2023
])
def test_figures_read_by_hand_from_the_source_files(engine, code, population_2024, ipm, ipm_rural, category_2023,
                                                     tipologia, km2):
    shown = _read(engine, code, 2024)
    assert shown["population"]["value"] == population_2024
    assert (_row(shown, IPM)["value"], _row(shown, "IPM - Rural")["value"]) == (ipm, ipm_rural)
    assert shown["categories"]["years"][-1] == {"year": 2023, "category": category_2023}
    profile = {r["field"]: r["value"] for r in shown["profile"]}
    assert (profile["tipologia"], profile["extension_km2"]) == (tipologia, km2)
