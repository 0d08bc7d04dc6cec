"""The articulation of a program of the parte estratégica with the PND (its lines, by code) and,
in a municipality's plan, with its department's initiatives (the programs of the department's
plan of the same period): checked here against what the service read, so the event records
only tags that named something real when they were recorded."""

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from kpt_workflow.base.errors import InvalidInput


@dataclass(frozen=True)
class Articulation:
    """What a plan's tags may name. `pnd_codes`: the PND catalog in force; `department_programs`:
    the programs of the department's plan (None when none applies: `no_department` says why);
    `department_name` and `department_plan` name that plan in messages; `owners`: for codes not
    in it, the departments (code, name) whose plans have them."""

    pnd_codes: Sequence[str] = ()
    pnd_name: str = ""
    department_programs: Mapping[str, str] | None = None
    no_department: str = ""
    department_name: str = ""
    department_plan: str = ""
    owners: Mapping[str, Sequence[tuple[str, str]]] = field(default_factory=dict)


def program_tags(code: str, pnd: Sequence[str], initiatives: Sequence[str], known: Articulation) -> dict[str, Any]:
    """The tags of program `code` as its event records them (nothing when it has none), or the
    refusal naming the tag and what may be named instead."""
    what = f"Parte estratégica: el programa {code}"
    for line in pnd:
        if line not in known.pnd_codes:
            choices = (f"use uno de {', '.join(known.pnd_codes)} ({known.pnd_name})" if known.pnd_codes
                       else "no hay catálogo del PND cargado: ejecute `kpt init`")
            raise InvalidInput(f"{what} se articula con la línea del PND '{line}', que no está en el catálogo vigente; "
                               f"{choices}.", field="programas.pnd")
    for initiative in initiatives:
        programs = known.department_programs
        if programs is None:
            raise InvalidInput(f"{what} nombra la iniciativa departamental {initiative}, pero {known.no_department}.",
                               field="programas.iniciativas_departamento")
        if initiative not in programs:
            others = [f"{name} ({code})" for code, name in known.owners.get(initiative, ())]
            elsewhere = (f"; es un programa del plan de otro departamento: {', '.join(others)}; un municipio se "
                         f"articula con las iniciativas de su propio departamento" if others else "")
            raise InvalidInput(f"{what} nombra la iniciativa {initiative}, que no está en la parte estratégica del plan "
                               f"del departamento de {known.department_name} ({known.department_plan}){elsewhere}.",
                               field="programas.iniciativas_departamento")
    return {**({"pnd": list(pnd)} if pnd else {}),
            **({"iniciativas_departamento": list(initiatives)} if initiatives else {})}
