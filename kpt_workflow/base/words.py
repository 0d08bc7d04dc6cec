"""The law's words for each kind of entity: departments adopt *ordenanzas* in an *asamblea*,
municipalities and districts adopt *acuerdos* in a *concejo*."""

from functools import lru_cache
from types import MappingProxyType
from typing import Mapping, NamedTuple

from kpt_workflow.base.roles import CORPORACION, ROLE_LABELS

DEPARTAMENTO = "departamento"
MUNICIPIO = "municipio"

_DEPARTMENT_WORDS = {
    "acto": "ordenanza", "Acto": "Ordenanza", "corporacion": "asamblea",
    "la_corporacion": "la asamblea", "de_la_corporacion": "de la asamblea", "ejecutivo": "gobernador",
}
_MUNICIPAL_WORDS = {
    "acto": "acuerdo", "Acto": "Acuerdo", "corporacion": "concejo",
    "la_corporacion": "el concejo", "de_la_corporacion": "del concejo", "ejecutivo": "alcalde",
}

EITHER_KIND = "cualquiera"
"""Words for a text about any entity (a national table of rules): both councils named."""
_EITHER_WORDS = {
    "acto": "acuerdo u ordenanza", "Acto": "Acuerdo u ordenanza", "corporacion": "concejo o asamblea",
    "la_corporacion": "el concejo o la asamblea", "de_la_corporacion": "del concejo o la asamblea",
    "ejecutivo": "alcalde o gobernador",
}


def words_for(entity_kind: str) -> Mapping[str, str]:
    """The placeholders that catalog labels and rule messages may use."""
    if entity_kind == EITHER_KIND:
        return MappingProxyType(_EITHER_WORDS)
    return MappingProxyType(_DEPARTMENT_WORDS if entity_kind == DEPARTAMENTO else _MUNICIPAL_WORDS)


def acting_label(role: str, entity_kind: str) -> str:
    """Who takes a step, in the entity's words: the council is its concejo or its asamblea."""
    if role == CORPORACION:
        return words_for(entity_kind)["corporacion"].capitalize()
    return ROLE_LABELS.get(role, role)


@lru_cache(maxsize=4096)
def render(template: str, entity_kind: str) -> str:
    """A catalog label or rule message in the entity's words: kept, since every step's checklist
    renders the same few labels again."""
    return template.format_map(words_for(entity_kind))


class DutyHolder(NamedTuple):
    """Who must act before a legal term runs out (a deadline's `duty_of`): as a table names them,
    and after "a cargo" (with the article contracted: "del" for de + el)."""

    label: str
    of: str


DUTY_HOLDERS = {
    "entidad": DutyHolder("Entidad territorial", "de la entidad territorial"),
    "ctp": DutyHolder("Consejo Territorial de Planeación", "del Consejo Territorial de Planeación"),
    "autoridad_ambiental": DutyHolder("Autoridad ambiental", "de la autoridad ambiental"),
    "corporacion": DutyHolder("Concejo o asamblea", "del concejo o la asamblea"),
}

KIND_PLURALS = {
    DEPARTAMENTO: "departamentos", MUNICIPIO: "municipios y distritos",
    "area_no_municipalizada": "áreas no municipalizadas", "isla": "isla (San Andrés)",
}

KIND_NAMES = {
    DEPARTAMENTO: "Departamento", MUNICIPIO: "Municipio o distrito",
    "area_no_municipalizada": "Área no municipalizada", "isla": "Isla (San Andrés)",
}
"""An entity's kind as a page or a terminal names one entity."""
