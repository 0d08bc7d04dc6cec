"""The registry of territorial entities, built from DANE's DIVIPOLA and refreshable from a newer file."""

from collections.abc import Iterable
from pathlib import Path

from sqlmodel import Field, SQLModel

from kpt_workflow.base.csv_rows import numbered_rows
from kpt_workflow.base.errors import InvalidInput
from kpt_workflow.base.words import DEPARTAMENTO, MUNICIPIO

DIVIPOLA_PATH = Path(__file__).parent / "data" / "divipola_2023.csv"
DIVIPOLA_COLUMNS = ("cod_dpto", "departamento", "cod_mpio", "municipio", "tipo", "latitud", "longitud")
# Bogotá D.C. is a capital district outside any department (Constitución, art. 322): DIVIPOLA gives
# it the department-level code 11, but it plans as the municipality-level entity 11001.
CAPITAL_DISTRICT_DEPARTMENT_CODE = "11"
_KIND_BY_TIPO = {"Municipio": MUNICIPIO, "Área no municipalizada": "area_no_municipalizada", "Isla": "isla"}


class EntityColumns(SQLModel):
    """A territorial entity of DANE's DIVIPOLA; only some of them make a PDT of their own. The
    registry's table (kpt_workflow.storage.tables.Entity) has exactly these columns."""

    code: str = Field(primary_key=True, max_length=5)
    name: str
    kind: str = Field(index=True, description="departamento | municipio | area_no_municipalizada | isla")
    department_code: str = Field(index=True, max_length=2)
    department_name: str
    plans_own_pdt: bool
    latitude: float | None = None
    longitude: float | None = None


def read_divipola(path: Path = DIVIPOLA_PATH) -> list[EntityColumns]:
    """Every municipal-level code of the file plus one row per department, kinds taken from DIVIPOLA."""
    municipal = [_municipal_entity(path, line, row)
                 for line, row in numbered_rows(path, DIVIPOLA_COLUMNS, "el archivo DIVIPOLA")]
    return _departments(municipal) + municipal


def _municipal_entity(path: Path, line: int, row: dict[str, str]) -> EntityColumns:
    kind = _KIND_BY_TIPO.get(row["tipo"])
    code = row["cod_mpio"].strip()
    if kind is None or len(code) != 5 or not code.isdigit() or code[:2] != row["cod_dpto"].strip():
        raise InvalidInput(f"{path}, línea {line}: fila inválida (código '{code}', tipo '{row['tipo']}'); "
                           f"se espera un código de 5 dígitos que empiece por el departamento y un tipo de {list(_KIND_BY_TIPO)}.")
    return EntityColumns(
        code=code, name=row["municipio"].strip(), kind=kind,
        department_code=code[:2], department_name=row["departamento"].strip(),
        plans_own_pdt=kind == MUNICIPIO,
        latitude=float(row["latitud"]) if row["latitud"] else None,
        longitude=float(row["longitud"]) if row["longitud"] else None,
    )


def _departments(municipal: Iterable[EntityColumns]) -> list[EntityColumns]:
    names = {e.department_code: e.department_name for e in municipal
             if e.department_code != CAPITAL_DISTRICT_DEPARTMENT_CODE}
    return [
        EntityColumns(code=code, name=name, kind=DEPARTAMENTO, department_code=code, department_name=name, plans_own_pdt=True)
        for code, name in sorted(names.items())
    ]
