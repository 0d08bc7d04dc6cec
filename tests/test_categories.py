"""Categories per entity and year (Ley 617 de 2000): the shipped TerriData file, its load and refresh."""

import csv
from pathlib import Path

import pytest
from sqlalchemy import func, select

from kpt_workflow.services.bootstrap import init_database
from kpt_workflow.reference.categories import CATEGORIES_PATH, CategoryRow, read_categories
from kpt_workflow.storage.reference_data import CATEGORY, import_categories, latest_categories
from kpt_workflow.reference.entities import DIVIPOLA_PATH
from kpt_workflow.base.errors import InvalidInput
from kpt_workflow.storage.recorder import ENTITY
from kpt_workflow.storage.unit_of_work import UnitOfWork

HEADER = ["codigo_divipola", "nivel", "cod_dpto", "departamento", "entidad", "cat_2022", "cat_2023"]


def _load(engine, rows: list[CategoryRow]) -> tuple[int, int]:  # type: ignore[no-untyped-def]
    with UnitOfWork(engine, write=True) as uow:
        result = import_categories(uow.session, rows)
        uow.commit()
    return result


def _categories(engine) -> dict[tuple[str, int], str]:  # type: ignore[no-untyped-def]
    with UnitOfWork(engine) as uow:
        return {(code, year): category for code, year, category in uow.connection.execute(select(CATEGORY))}


def _write(path: Path, rows: list[list[str]], header: list[str] = HEADER) -> Path:
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(header)
        writer.writerows(rows)
    return path


def test_shipped_file_holds_the_published_checks():
    rows = {(r.entity_code, r.year): r.category for r in read_categories()}
    assert rows["05001", 2023] == "Especial" and rows["11001", 2023] == "Especial"
    assert rows["05021", 2023] == "6"
    assert ("05", 2020) not in rows and rows["05", 2021] == "Especial"  # departments only from 2021
    with DIVIPOLA_PATH.open(encoding="utf-8") as handle:
        divipola = {r["cod_mpio"]: r["tipo"] for r in csv.DictReader(handle)}
    categorised = {code for (code, year) in rows if year == 2023 and len(code) == 5}
    assert len(categorised) == 1102 and all(divipola[code] == "Municipio" for code in categorised)
    without = set(divipola) - categorised
    assert len(without) == 19 and "88001" in without and all(divipola[c] != "Municipio" for c in without)


def test_init_loads_every_category_and_the_reports_read_the_latest_year(engine):
    _load(engine, read_categories())  # the PostgreSQL fixture empties it between tests; a no-op on SQLite
    stored = _categories(engine)
    assert stored["05001", 2023] == "Especial" and stored["11001", 2023] == "Especial" and stored["05021", 2023] == "6"
    with UnitOfWork(engine) as uow:
        latest = latest_categories().subquery()
        municipios_2023 = uow.connection.execute(
            select(func.count()).select_from(latest.join(ENTITY, ENTITY.c.code == latest.c.entity_code))
            .where(ENTITY.c.kind == "municipio", latest.c.year == 2023)).scalar_one()
        departments = uow.connection.execute(
            select(func.count()).select_from(latest.join(ENTITY, ENTITY.c.code == latest.c.entity_code))
            .where(ENTITY.c.kind == "departamento")).scalar_one()
    assert (municipios_2023, departments) == (1102, 32)


def test_init_reports_the_categories_and_a_second_run_changes_nothing(engine):
    init_database(engine)
    result = init_database(engine)["categories"]
    assert result == {"source": CATEGORIES_PATH.name, "added": 0, "updated": 0, "entities": 1134,
                      "years": [2018, 2019, 2020, 2021, 2022, 2023]}


@pytest.fixture
def restored(engine):  # type: ignore[no-untyped-def]
    """Put Alejandría's shipped categories back, should the PostgreSQL fixture ever keep the table."""
    yield
    with UnitOfWork(engine, write=True) as uow:
        uow.connection.execute(CATEGORY.delete().where(CATEGORY.c.entity_code == "05021"))
        import_categories(uow.session, read_categories())
        uow.commit()


def test_newer_file_adds_years_and_corrects_values_without_removing_any(engine, restored, tmp_path: Path):
    _load(engine, read_categories())
    newer = _write(tmp_path / "categorias_2024.csv", [
        ["05021", "municipio", "05", "Antioquia", "Alejandría", "6", "5"],  # 2023 corrected
        ["05001", "municipio", "05", "Antioquia", "Medellín", "Especial", ""],  # an empty cell removes nothing
    ])
    assert _load(engine, read_categories(newer)) == (0, 1)
    stored = _categories(engine)
    assert stored["05021", 2023] == "5" and stored["05001", 2023] == "Especial" and stored["05021", 2018] == "6"
    extra = _write(tmp_path / "categorias_extra.csv", [["05021", "municipio", "05", "Antioquia", "Alejandría", "4"]],
                   header=HEADER[:5] + ["cat_2024"])
    assert _load(engine, read_categories(extra)) == (1, 0)
    with UnitOfWork(engine) as uow:
        latest = dict((code, (year, cat)) for code, year, cat in uow.connection.execute(latest_categories()))
    assert latest["05021"] == (2024, "4") and latest["05001"] == (2023, "Especial")


def test_codes_outside_the_registry_are_refused(engine):
    with pytest.raises(InvalidInput, match="05999"):
        _load(engine, [CategoryRow("05999", 2023, "6")])


@pytest.mark.parametrize(("row", "fragment"), [
    (["0501", "municipio", "05", "Antioquia", "X", "6", "6"], "código '0501'"),
    (["05", "municipio", "05", "Antioquia", "X", "6", "6"], "nivel 'municipio'"),
    (["05021", "vereda", "05", "Antioquia", "X", "6", "6"], "nivel 'vereda'"),
    (["05021", "municipio", "05", "Antioquia", "X", "6", "7"], "categoría '7' inválida en cat_2023"),
    (["05", "departamento", "05", "Antioquia", "X", "5", "1"], "categoría '5' inválida en cat_2022"),
], ids=["short_code", "level_mismatch", "unknown_level", "municipal_category", "department_category"])
def test_bad_rows_are_refused_naming_the_file_and_line(tmp_path: Path, row: list[str], fragment: str):
    medellin = ["05001", "municipio", "05", "Antioquia", "Medellín", "Especial", ""]
    path = _write(tmp_path / "categorias.csv", [medellin, row])
    with pytest.raises(InvalidInput) as refused:
        read_categories(path)
    assert "categorias.csv, línea 3" in refused.value.message and fragment in refused.value.message


def test_repeated_codes_and_missing_columns_are_refused(tmp_path: Path):
    medellin = ["05001", "municipio", "05", "Antioquia", "Medellín", "Especial", "Especial"]
    with pytest.raises(InvalidInput, match="línea 3: el código 05001 ya apareció en la línea 2"):
        read_categories(_write(tmp_path / "repetido.csv", [medellin, medellin]))
    with pytest.raises(InvalidInput, match="sin_anios.csv: faltan las columnas"):
        read_categories(_write(tmp_path / "sin_anios.csv", [medellin[:5]], header=HEADER[:5]))
