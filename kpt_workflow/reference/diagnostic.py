"""The standardized diagnostic's sectors and the competencies each kind of entity has in them
(catalogs/diagnostico.yaml, validated when loaded): which sections a plan's diagnostic has, which
competencies each shows with its legal basis, and which imported indicators belong in it."""

import re
from functools import lru_cache
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

from kpt_workflow.base.errors import DefinitionError
from kpt_workflow.base.figures import number
from kpt_workflow.base.validation import IDENTIFIER, read_catalog
from kpt_workflow.reference.mga import fold

CATALOG_PATH = Path(__file__).parent / "catalogs" / "diagnostico.yaml"
Kind = Literal["municipio", "departamento"]
UNKNOWN_CONDITIONS = {
    "certificado_educacion": "Si el municipio está certificado en educación (el sistema no tiene ese dato).",
    "no_certificado_educacion": "Si el municipio no está certificado en educación (el sistema no tiene ese dato).",
}
"""Conditions the system's data cannot decide: the competency is shown with its condition."""


class Competency(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    aplica_a: tuple[Kind, ...] = Field(min_length=1)
    texto: str = Field(min_length=1)
    fundamento: str = Field(min_length=1)
    si: Literal["certificado_educacion", "no_certificado_educacion", "poblacion_minima"] | None = None
    poblacion_minima: int | None = Field(default=None, ge=1)

    @model_validator(mode="after")
    def _threshold_with_its_condition(self) -> "Competency":
        if (self.si == "poblacion_minima") != (self.poblacion_minima is not None):
            raise ValueError("poblacion_minima va con si: poblacion_minima, y solo con ella")
        return self


class Section(BaseModel):
    """The general context (no competencies) or a sector."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    codigo: str = Field(pattern=IDENTIFIER)
    nombre: str = Field(min_length=1)
    fundamento: str = Field(min_length=1)
    palabras: tuple[str, ...] = ()
    competencias: tuple[Competency, ...] = ()
    notas: tuple[str, ...] = ()

    def holds(self, indicator: str) -> bool:
        """Whether an indicator's name has a word starting with one of the sector's `palabras`."""
        name = fold(indicator)
        return any(re.search(rf"\b{re.escape(fold(word))}", name) for word in self.palabras)

    def competencies_for(self, kind: str, population: int | None, population_year: int | None) -> list[dict[str, str | None]]:
        """The competencies of an entity of `kind`: each with its basis and the condition it hangs
        on, when the system's data cannot settle it; one whose population threshold the entity's
        DANE population does not reach is left out."""
        shown = []
        for competency in self.competencias:
            if kind not in competency.aplica_a:
                continue
            condition = UNKNOWN_CONDITIONS.get(competency.si or "")
            if competency.poblacion_minima is not None:
                threshold = number(competency.poblacion_minima)
                if population is None:
                    condition = f"Si su población llega a {threshold} habitantes (el sistema no tiene la de esta entidad)."
                elif population < competency.poblacion_minima:
                    continue
                else:
                    condition = (f"Su población de {population_year} es de {number(population)} habitantes (DANE), "
                                 f"al menos {threshold}.")
            shown.append({"text": competency.texto, "basis": competency.fundamento, "condition": condition})
        return shown


class DiagnosticCatalog(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    version: int
    contexto: Section
    sectores: tuple[Section, ...] = Field(min_length=1)

    @property
    def sections(self) -> tuple[Section, ...]:
        """Every section of a diagnostic, in the order it is written: the context, then the sectors."""
        return (self.contexto, *self.sectores)

    def section(self, code: str) -> Section | None:
        return next((s for s in self.sections if s.codigo == code), None)


@lru_cache(maxsize=None)
def load_catalog(path: Path = CATALOG_PATH) -> DiagnosticCatalog:
    catalog = read_catalog(path, DiagnosticCatalog, lambda c: [s.codigo for s in c.sections], "sectores")
    for sector in catalog.sectores:
        missing = {"municipio", "departamento"} - {kind for c in sector.competencias for kind in c.aplica_a}
        if missing:
            raise DefinitionError(f"{path}: sector {sector.codigo}: sin competencias para {sorted(missing)}; "
                                  f"cada sector dice las de municipios y departamentos.")
    return catalog
