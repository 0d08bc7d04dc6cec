"""The catalog of the Plan Nacional de Desarrollo's lines that a plan's programs articulate with
(catalogs/pnd.yaml: the PND 2022–2026's five transformations and its cross-cutting Paz total, Ley
2294 de 2023). A data file with a schema, validated when read: the shipped one is loaded by
`kpt init`, and the next PND's replaces it by import, refused with a Spanish message naming the key."""

from dataclasses import dataclass
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from kpt_workflow.base.errors import DefinitionError, InvalidInput
from kpt_workflow.base.validation import IDENTIFIER, describe, repeated
from kpt_workflow.base.yaml_files import parse_yaml

CATALOG_PATH = Path(__file__).parent / "catalogs" / "pnd.yaml"
KINDS = {"transformacion": "Transformación", "transversal": "Transversal"}
# A PND has a handful of lines (the 2022–2026 one, six); a file with hundreds is not a PND catalog.
MAX_LINES = 100


class _LineSchema(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    codigo: str = Field(pattern=IDENTIFIER, max_length=64)
    tipo: Literal["transformacion", "transversal"]
    nombre: str = Field(min_length=1, max_length=300)
    fundamento: str = Field(min_length=1, max_length=300)


class _CatalogSchema(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    nombre: str = Field(min_length=1, max_length=300)
    fundamento: str = Field(min_length=1, max_length=300)
    lineas: tuple[_LineSchema, ...] = Field(min_length=1, max_length=MAX_LINES)


@dataclass(frozen=True)
class Line:
    """One line of the PND: `kind` is a transformation or cross-cutting; `plan` names the PND."""

    code: str
    kind: str
    name: str
    basis: str
    position: int
    plan: str
    plan_basis: str

    @property
    def kind_label(self) -> str:
        return KINDS[self.kind]


def read_catalog(text: str, source: str) -> list[Line]:
    """The lines of a PND catalog file, or an InvalidInput naming `source`, the key and the fix."""
    try:
        data = parse_yaml(text, source)
        catalog = _CatalogSchema.model_validate(data)
    except DefinitionError as exc:
        raise InvalidInput(exc.message, field="archivo") from exc
    except ValidationError as exc:
        where, message = describe(exc)
        raise InvalidInput(f"{source}: {where}: {message}.", field="archivo") from exc
    codes = [line.codigo for line in catalog.lineas]
    twice = repeated(codes)
    if twice:
        raise InvalidInput(f"{source}: lineas: código repetido {', '.join(twice)}; cada línea necesita un código "
                           f"propio.", field="archivo")
    if not any(line.tipo == "transformacion" for line in catalog.lineas):
        raise InvalidInput(f"{source}: lineas: ninguna es de tipo transformacion; un PND se articula por sus "
                           f"transformaciones.", field="archivo")
    return [Line(line.codigo, line.tipo, line.nombre, line.fundamento, position, catalog.nombre, catalog.fundamento)
            for position, line in enumerate(catalog.lineas)]


def read_shipped() -> list[Line]:
    return read_catalog(CATALOG_PATH.read_text(encoding="utf-8"), CATALOG_PATH.name)
