"""An entity's options to associate with others: its neighbours within N km, the entities of its
SGR subregion and of its department whose plans hold the programs its own plan holds, and the
legal schemes its kind may form (catalogs/asociatividad.yaml), each with its basis and requirements.

Every role reads it. Of another entity's plan it shows only the programs in common and whether
that plan funds them, never amounts: a planning office reads no other entity's plan (access.py)."""

from typing import Any

from kpt_workflow.base.errors import InvalidInput
from kpt_workflow.base.words import DEPARTAMENTO, MUNICIPIO
from kpt_workflow.law import calendar
from kpt_workflow.lifecycle.engine import default_workflow
from kpt_workflow.reference.associativity import distance_km, load_schemes
from kpt_workflow.services.access import Actor
from kpt_workflow.services.diagnosis import entity_or_404
from kpt_workflow.services.plans import plan_id
from kpt_workflow.storage import shared_programs, territory_rows
from kpt_workflow.storage.repository import holds_synthetic_demo
from kpt_workflow.storage.unit_of_work import UnitOfWork

DEFAULT_KM, MAX_KM = 30, 300


def associativity(uow: UnitOfWork, actor: Actor, code: str, km: int = DEFAULT_KM,
                  period: int | None = None) -> dict[str, Any]:
    """The options of entity `code`: neighbours within `km` of its seat (a department: of the mean
    of its municipalities' seats), the programs it shares with the plans of `period` (by default
    the one in course) in its subregion and department, and the schemes it may form."""
    del actor  # every role reads it; no other plan's figures are shown
    if not 1 <= km <= MAX_KM:
        raise InvalidInput(f"La distancia debe estar entre 1 y {MAX_KM} km.", field="km")
    conn = uow.connection
    entity = entity_or_404(conn, code)
    period = period or calendar.period_containing(calendar.today_in_colombia())
    places = shared_programs.places(conn)
    seats = _seats(places)
    here = seats.get(entity["code"])
    kind = entity["kind"]
    distances = {p["code"]: distance_km(*here, *seats[p["code"]]) for p in places
                 if here is not None and p["code"] in seats}
    neighbours = sorted(({**_named(p), "km": round(distances[p["code"]], 1),
                          "same_department": p["department_code"] == entity["department_code"]}
                         for p in places if p["kind"] == kind and p["code"] != entity["code"] and p["plans_own_pdt"]
                         and distances.get(p["code"], km + 1) <= km), key=lambda n: n["km"])
    subregion = territory_rows.profiles_of(conn, [entity["code"]]).get(entity["code"], {}).get("subregion_sgr")
    group = territory_rows.subregion_members(conn, subregion) if subregion else set()
    department = {p["code"] for p in places if kind == MUNICIPIO and p["kind"] == MUNICIPIO
                  and p["department_code"] == entity["department_code"] and p["plans_own_pdt"]}
    flow = default_workflow()
    others = sorted((group | department) - {entity["code"]})
    plans = shared_programs.programs_of(conn, [plan_id(c, period, flow) for c in [entity["code"], *others]])
    own = plans.get(plan_id(entity["code"], period, flow), {})
    by_code = {p["code"]: p for p in places}
    shared = [{**_named(by_code[c]), "in_subregion": c in group, "in_department": c in department,
               "programs": [{"code": program, "name": name, "funded": funded}
                            for program, (name, funded) in sorted(plans.get(plan_id(c, period, flow), {}).items())
                            if program in own]}
              for c in others]
    return {
        "entity": _named(entity), "km": km, "period": period, "years": calendar.period_years(period),
        "seat": "promedio de las cabeceras de sus municipios" if kind == DEPARTAMENTO else "cabecera municipal (DIVIPOLA)",
        "neighbours": neighbours, "subregion_sgr": subregion,
        "own_programs": [{"code": c, "name": name, "funded": funded} for c, (name, funded) in sorted(own.items())],
        # the subregion's first, then by how many programs they share
        "shared": sorted((s for s in shared if s["programs"]),
                         key=lambda s: (not s["in_subregion"], -len(s["programs"]), s["name"])),
        "schemes": [{**scheme.model_dump(), "candidates": _candidates(scheme.mismo_departamento, neighbours)}
                    for scheme in load_schemes().esquemas if kind in scheme.entidades],
        "synthetic": holds_synthetic_demo(conn),
    }


def _named(place: dict[str, Any]) -> dict[str, Any]:
    return {key: place[key] for key in ("code", "name", "kind", "department_code", "department_name")}


def _seats(places: list[dict[str, Any]]) -> dict[str, tuple[float, float]]:
    """Each entity's point: its seat, or for a department the mean of its municipalities' seats."""
    seats = {p["code"]: (p["latitude"], p["longitude"]) for p in places if p["latitude"] is not None}
    by_department: dict[str, list[tuple[float, float]]] = {}
    for p in places:
        if p["kind"] != DEPARTAMENTO and p["code"] in seats:
            by_department.setdefault(p["department_code"], []).append(seats[p["code"]])
    for department in (p for p in places if p["kind"] == DEPARTAMENTO and p["code"] in by_department):
        points = by_department[department["code"]]
        seats[department["code"]] = (sum(a for a, _ in points) / len(points), sum(b for _, b in points) / len(points))
    return seats


def _candidates(same_department: bool, neighbours: list[dict[str, Any]]) -> list[str]:
    """The neighbours a scheme could join with: of the same department when the law asks it."""
    return [n["code"] for n in neighbours if n["same_department"] or not same_department]
