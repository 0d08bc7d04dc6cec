"""`kpt demo`: a SYNTHETIC but plausible 2024 cycle for every entity that plans (32 departments and
1,102 municipalities and districts), driven through the real service layer, never by writing states.

Each plan follows a scenario drawn from a seeded random generator: most are approved by their
council in May, some are late with the CTP or the council, some are returned for changes, some are
adopted by decree after the council's month, and some are still stuck on 28 June 2024 with the
requirement that blocks them. Premature attempts are made on purpose, so the audit holds refused
steps as real offices produce them. Investment amounts scale with the entity's real DANE 2024
population; every document, number and amount is synthetic, and the database is marked so.
"""

import csv
import json
import random
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta, timezone
from functools import cache
from typing import Any

from sqlalchemy import Engine, select

from kpt_workflow.law import calendar

from kpt_workflow import services
from kpt_workflow.services.access import Actor
from kpt_workflow.storage.blobs import BlobStore
from kpt_workflow.base.errors import AlreadyExists, GuardFailed
from kpt_workflow.reference import pnd
from kpt_workflow.reference.indicators import DATA_DIR
from kpt_workflow.storage.tables import SYNTHETIC_DEMO, DatasetMarker, Entity, Indicator
from kpt_workflow.storage.recorder import PLAN
from kpt_workflow.base.roles import CORPORACION, PLANEACION, SYNTHETIC_ACTOR
from kpt_workflow.services.sample import minimal_pdf
from kpt_workflow.storage.unit_of_work import UnitOfWork
from kpt_workflow.base.words import DEPARTAMENTO

PERIOD = 2024
DEMO_END = date(2024, 6, 28)  # the demo's "today": nothing is dated after it
SYNTHETIC_PDF = minimal_pdf("DOCUMENTO SINTETICO DE DEMOSTRACION - kpt-workflow")
OFFICE, COUNCIL = f"{SYNTHETIC_ACTOR}:{PLANEACION}", f"{SYNTHETIC_ACTOR}:{CORPORACION}"  # each entity's, acting in its own role
EMPALME = tuple(f"formato_empalme_{n:02d}" for n in range(1, 11))
# How plans end up by 28 June 2024 (shares add up to 1).
PROFILES = (("stuck_alistamiento", 0.03), ("stuck_construccion", 0.04), ("stuck_tramite", 0.04),
            ("in_council", 0.06), ("returned_then_approved", 0.07), ("decree", 0.07), ("denied_then_decree", 0.03),
            ("approved_with_modifications", 0.05), ("approved", 0.61))


@dataclass(frozen=True)
class Action:
    """One act of a plan's scenario; `attempt` marks a step expected to be refused."""

    on: date
    kind: str  # file | justify | strategy | investments | step | attempt | approve | decide
    target: str = ""
    number: str | None = None
    data: Any = None


@dataclass
class DemoSummary:
    plans: int = 0
    actions: int = 0
    refused: int = 0
    states: Counter = field(default_factory=Counter)

    def as_dict(self) -> dict[str, object]:
        return {"plans": self.plans, "actions": self.actions, "refused_attempts": self.refused,
                "states": dict(sorted(self.states.items())), "synthetic": True}


def _day(rng: random.Random, start: date, end: date) -> date:
    return start + timedelta(days=rng.randint(0, max(0, (end - start).days)))


def _number(rng: random.Random, prefix: str) -> str:
    return f"{prefix} {rng.randint(1, 999):03d} (sintético)"


class Scenario:
    """The acts of one plan, in legal order, with the dates the law makes plausible."""

    def __init__(self, entity: Entity, population: int, programs: dict[str, dict[str, list[Indicator]]],
                 rng: random.Random, department_programs: Sequence[str] = ()) -> None:
        """`department_programs`: those its department's plan recorded (a municipality's programs
        may name them as the department's initiatives they articulate with)."""
        self.entity, self.population, self.programs, self.rng = entity, population, programs, rng
        self.department_programs = department_programs
        self.actions: list[Action] = []
        self.profile = rng.choices([p for p, _ in PROFILES], [w for _, w in PROFILES])[0]

    def add(self, on: date, kind: str, target: str = "", number: str | None = None, data: Any = None) -> date:
        self.actions.append(Action(on, kind, target, number, data))
        return on

    def build(self) -> list[Action]:
        started = self._alistamiento()
        if started is None:
            return self.actions
        filed_ctp = self._construccion(started)
        if filed_ctp is None:
            return self.actions
        ready = self._tramite(filed_ctp)
        if ready is not None:
            self._council(ready)
        # Acts in legal order (ties keep the order written: an attempt before the filing that fixes it).
        return sorted((a for a in self.actions if a.on <= DEMO_END), key=lambda a: a.on)

    def _alistamiento(self) -> date | None:
        rng = self.rng
        self.add(_day(rng, date(2023, 7, 1), date(2023, 7, 28)), "file", "programa_gobierno")
        for code in EMPALME:
            if rng.random() < 0.06:
                self.add(_day(rng, date(2023, 12, 1), date(2023, 12, 28)), "justify", code,
                         data="El mandatario saliente no lo entregó; se solicitó por oficio (sintético).")
            else:
                self.add(_day(rng, date(2023, 11, 1), date(2023, 12, 28)), "file", code)
        team = self.add(_day(rng, date(2024, 1, 2), date(2024, 1, 19)), "file", "acto_equipo_formulador",
                        _number(rng, "Decreto"))
        report = _day(rng, date(2024, 1, 3), date(2024, 1, 24))
        if rng.random() < 0.3:  # an eager office tries before the outgoing report arrives
            self.add(report - timedelta(days=1), "attempt", "iniciar_construccion")
        if self.profile == "stuck_alistamiento":
            self.add(_day(rng, date(2024, 2, 1), date(2024, 3, 15)), "attempt", "iniciar_construccion")
            return None
        self.add(report, "file", "acta_informe_gestion")
        return self.add(max(team, report) + timedelta(days=rng.randint(1, 10)), "step", "iniciar_construccion")

    def _construccion(self, started: date) -> date | None:
        rng = self.rng
        late = rng.random() < 0.12
        filed = _day(rng, date(2024, 3, 1), date(2024, 4, 10)) if late else _day(rng, date(2024, 2, 12), date(2024, 2, 29))
        work = started + timedelta(days=7)
        for code in ("diagnostico", "parte_estrategica", "plan_plurianual_inversiones"):
            self.add(_day(rng, work, filed - timedelta(days=4)), "file", code)
        with_sgr = rng.random() < 0.4
        self.add(filed - timedelta(days=rng.randint(4, 8)), "strategy", data=self._strategic_part())
        self.add(filed - timedelta(days=rng.randint(2, 3)), "investments", data=self._investments(with_sgr))
        self.add(filed - timedelta(days=1), "file", "acta_consejo_gobierno", _number(rng, "Acta"))
        self.add(filed, "file", "radicado_ctp", _number(rng, "CTP"))
        self.add(filed, "file", "radicado_autoridad_ambiental", _number(rng, "CAR"))
        if self.profile == "stuck_construccion":
            self.add(filed, "attempt", "radicar_ante_ctp")  # the childhood diagnosis never arrives
            return None
        self.add(_day(rng, work, filed - timedelta(days=2)), "file", "diagnostico_infancia")
        if with_sgr:
            if rng.random() < 0.25:
                self.add(filed, "attempt", "radicar_ante_ctp")
            self.add(filed, "file", "capitulo_sgr")
        return self.add(filed, "step", "radicar_ante_ctp")

    def _tramite(self, filed: date) -> date | None:
        rng = self.rng
        concepts = [self.add(filed + timedelta(days=rng.randint(12, 28)), "file", code)
                    for code, share in (("concepto_ctp", 0.9), ("concepto_autoridad_ambiental", 0.85))
                    if rng.random() < share]
        # Without both concepts, the step waits for the later reading of the terms (one month for
        # the CTP; the environmental authority's longer reading is the same month).
        silence_over = calendar.month_term(filed, 1).latest + timedelta(days=1)
        ready = max(concepts) if len(concepts) == 2 else silence_over
        if concepts and rng.random() < 0.1:  # adjustments after the concepts
            back = self.add(max(concepts) + timedelta(days=2), "step", "ajustar_por_conceptos")
            ready = max(ready, self.add(back + timedelta(days=rng.randint(5, 12)), "step", "radicar_ante_ctp"))
        if self.profile == "stuck_tramite":
            return None
        return ready

    def _council(self, ready: date) -> None:
        rng = self.rng
        if self.profile == "in_council":
            filed = _day(rng, date(2024, 6, 3), date(2024, 6, 20))
        elif rng.random() < 0.1:
            filed = _day(rng, date(2024, 5, 2), date(2024, 5, 20))  # after the four months: late, still valid
        else:
            filed = _day(rng, ready + timedelta(days=3), max(ready + timedelta(days=3), date(2024, 4, 30)))
        filed = max(filed, ready)
        self.add(filed, "file", "radicado_corporacion", _number(rng, "Proyecto"))
        entered = self.add(filed, "step", "radicar_ante_corporacion")
        if self.profile == "returned_then_approved":
            session = entered + timedelta(days=rng.randint(8, 18))
            back = self.add(session, "decide", "devolver", f"Acta {session:%m%d} (sintético)",
                            "Ajustes al plan plurianual de inversiones pedidos en la sesión (sintético).")
            filed = self.add(back + timedelta(days=rng.randint(4, 10)), "file", "radicado_corporacion",
                             _number(rng, "Proyecto ajustado"))
            entered = self.add(filed, "step", "radicar_ante_corporacion")
        month_ends = calendar.month_term(entered, 1).latest
        if self.profile == "decree":
            decree = calendar.next_working_day(month_ends + timedelta(days=rng.randint(1, 6)))
            self.add(month_ends, "attempt", "adoptar_por_decreto")  # one day too early: refused
            self.add(decree, "file", "decreto_adopcion", _number(rng, "Decreto"))
            self.add(decree, "step", "adoptar_por_decreto")
        elif self.profile == "denied_then_decree":  # the decree after a denial (Concepto 2127 de 2013)
            denial = _day(rng, entered + timedelta(days=5), min(month_ends, DEMO_END - timedelta(days=12)))
            self.add(denial, "decide", "negar", f"Acta {denial:%m%d} (sintético)",
                     "El proyecto no responde al diagnóstico de infancia y adolescencia (sintético).")
            decree = calendar.next_working_day(denial + timedelta(days=rng.randint(1, 7)))
            self.add(decree, "file", "decreto_adopcion", _number(rng, "Decreto"))
            self.add(decree, "step", "adoptar_por_decreto")
        elif self.profile == "approved_with_modifications":  # accepted in writing by the executive first
            approval = _day(rng, entered + timedelta(days=10), min(month_ends, DEMO_END))
            self.add(max(entered, approval - timedelta(days=rng.randint(1, 5))), "file", "aceptacion_modificaciones")
            self.add(approval, "decide", "aprobar_con_modificaciones",
                     _number(rng, "Ordenanza" if self.entity.kind == DEPARTAMENTO else "Acuerdo"),
                     "Se ajustan metas del programa de primera infancia (sintético).")
        elif self.profile != "in_council":
            self.add(_day(rng, entered + timedelta(days=10), min(month_ends, DEMO_END)), "approve",
                     number=_number(rng, "Ordenanza" if self.entity.kind == DEPARTAMENTO else "Acuerdo"))

    def _strategic_part(self) -> dict[str, Any]:
        rng = self.rng
        chosen = rng.sample(sorted(self.programs), k=rng.randint(2, 4))
        programs = []
        for code in chosen:
            indicators = [rng.choice(self.programs[code]["resultado"]),
                          *rng.sample(self.programs[code]["producto"], k=min(2, len(self.programs[code]["producto"])))]
            programs.append({"codigo": code, "metas": [self._goal(i) for i in indicators],
                             "pnd": _pnd_lines(self.entity.code, code),
                             "iniciativas_departamento": _initiatives(self.entity.code, code, self.department_programs)})
        return {"ejes": [{"nombre": "Desarrollo social y territorial (sintético)", "programas": programs}]}

    def _goal(self, indicator: Indicator) -> dict[str, Any]:
        rng = self.rng
        percentage = indicator.unit.startswith("Porcentaje")
        baseline = round(rng.uniform(15, 85), 1) if percentage else rng.randint(5, 500)
        goal = min(100.0, round(baseline * rng.uniform(1.05, 1.3), 1)) if percentage else int(baseline * rng.uniform(1.1, 2))
        return {"indicador": indicator.code, "linea_base": {"valor": str(baseline), "anio": 2023, "fuente": indicator.source},
                "meta_cuatrienio": str(goal)}

    def _investments(self, with_sgr: bool) -> dict[str, Any]:
        """Whole pesos scaled to the entity's real population; the amounts themselves are synthetic."""
        rng = self.rng
        per_capita = rng.randint(20_000, 90_000)
        lines = []
        for program in self.programs_recorded():
            for year in range(PERIOD, PERIOD + 4):
                for source in ("sgp", "recursos_propios", *(("sgr",) if with_sgr else ())):
                    share = {"sgp": 0.6, "recursos_propios": 0.3, "sgr": 0.1}[source]
                    lines.append({"programa": program, "anio": year, "fuente": source,
                                  "valor": max(1_000_000, int(self.population * per_capita * share / 4) // 1000 * 1000)})
        return {"lineas": lines}

    def programs_recorded(self) -> list[str]:
        """The programs of the plan's strategic part (none when the plan never reaches it)."""
        part = next((a.data for a in reversed(self.actions) if a.kind == "strategy"), None)
        return [p["codigo"] for p in part["ejes"][0]["programas"]] if part else []


@cache
def _shipped_pnd_codes() -> tuple[str, ...]:
    return tuple(line.code for line in pnd.read_shipped())


def _pnd_lines(entity_code: str, program_code: str) -> list[str]:
    """Synthetic PND tags of a program (none for about one program in five): drawn from a generator
    of their own, so that the rest of the demo stays what its seed made it before the tags."""
    rng = random.Random(f"pnd-{entity_code}-{program_code}")
    return rng.sample(_shipped_pnd_codes(), k=rng.choice((0, 1, 1, 2, 2)))


def _initiatives(entity_code: str, program_code: str, department_programs: Sequence[str]) -> list[str]:
    """Synthetic department initiatives a municipality's program articulates with (about one program
    in three names one of its department's programs), from a generator of their own like the tags."""
    rng = random.Random(f"iniciativa-{entity_code}-{program_code}")
    return rng.sample(sorted(department_programs), k=1) if department_programs and rng.random() < 0.35 else []


def _populations() -> dict[str, int]:
    """DANE 2024 population per municipality, and per department as the sum of its municipalities."""
    people: Counter = Counter()
    with (DATA_DIR / "poblacion_dane_2020_2035.csv").open(encoding="utf-8") as handle:
        for row in csv.DictReader(handle):
            people[row["cod_mpio"]] = int(row["pob_2024"])
            people[row["cod_dpto"]] += int(row["pob_2024"])
    return dict(people)


def _catalog_programs(engine: Engine) -> dict[str, dict[str, list[Indicator]]]:
    with UnitOfWork(engine) as uow:
        indicators = list(uow.session.exec(select(Indicator).order_by(Indicator.code)).scalars())
    programs: dict[str, dict[str, list[Indicator]]] = {}
    for indicator in indicators:
        programs.setdefault(indicator.program_code, {"resultado": [], "producto": []})[indicator.kind].append(indicator)
    return {code: kinds for code, kinds in programs.items() if kinds["resultado"] and kinds["producto"]}


def run_demo(engine: Engine, blobs: BlobStore, seed: int, progress: Callable[[int], None] = lambda _: None,
             entity_codes: Sequence[str] | None = None) -> DemoSummary:
    """Create and drive the 2024 plan of every planning entity (or of `entity_codes`).
    Refuses a database that already has plans."""
    with UnitOfWork(engine) as uow:
        if uow.connection.execute(select(PLAN.c.id).limit(1)).first() is not None:
            raise AlreadyExists("La base ya tiene planes: la demostración necesita una base nueva "
                                "(otro KPT_DATABASE_URL, o borre el archivo de SQLite).")
        query = select(Entity).where(Entity.plans_own_pdt).order_by(Entity.code)
        if entity_codes is not None:
            query = query.where(Entity.code.in_(entity_codes))  # type: ignore[attr-defined]
        entities = list(uow.session.exec(query).scalars())
    programs, people, summary = _catalog_programs(engine), _populations(), DemoSummary()
    rng = random.Random(seed)
    recorded: dict[str, list[str]] = {}  # each department's programs (departments come before their municipalities)
    for entity in entities:
        scenario = Scenario(entity, people.get(entity.code, 10_000), programs, random.Random(rng.random()),
                            recorded.get(entity.department_code, []) if entity.kind != DEPARTAMENTO else [])
        actions = scenario.build()
        if entity.kind == DEPARTAMENTO:
            recorded[entity.code] = scenario.programs_recorded()
        plan_id = _write(engine, lambda uow: services.create_plan(
            uow, entity_code=entity.code, period=PERIOD, actor=Actor(OFFICE, PLANEACION, entity.code),
            legal_date=date(PERIOD, 1, 1)))["id"]
        for action in actions:
            summary.refused += _apply(engine, blobs, plan_id, entity.code, action)
        summary.plans += 1
        summary.actions += len(actions) + 1
        progress(1)
    _mark(engine, seed)
    if engine.dialect.name == "postgresql":
        with engine.begin() as conn:  # fresh statistics after a bulk load, or the planner guesses
            conn.exec_driver_sql("ANALYZE")
    with UnitOfWork(engine) as uow:
        summary.states.update(state for (state,) in uow.connection.execute(select(PLAN.c.state)))
    return summary


def _write(engine: Engine, use_case: Callable[[UnitOfWork], dict[str, Any]]) -> dict[str, Any]:
    with UnitOfWork(engine, write=True) as uow:
        return use_case(uow)


def _apply(engine: Engine, blobs: BlobStore, plan_id: str, entity_code: str, action: Action) -> int:
    """Run one act through its use-case, as the entity's office or council; returns 1 for an
    attempt that was (as planned) refused."""
    filing = services.Filing
    office, council = Actor(OFFICE, PLANEACION, entity_code), Actor(COUNCIL, CORPORACION, entity_code)
    if action.kind in ("file", "justify"):
        status = "radicado" if action.kind == "file" else "ausencia_justificada"
        _write(engine, lambda uow: services.file_document(uow, blobs, plan_id=plan_id, actor=office, filing=filing(
            doc_type=action.target, status=status, content=SYNTHETIC_PDF if action.kind == "file" else None,
            filename=f"{action.target}-sintetico.pdf", legal_date=action.on, number=action.number, note=action.data)))
    elif action.kind == "strategy":
        _write(engine, lambda uow: services.record_strategic_part(uow, plan_id=plan_id, data=action.data, actor=office,
                                                                   legal_date=action.on))
    elif action.kind == "investments":
        _write(engine, lambda uow: services.record_investment_plan(uow, plan_id=plan_id, data=action.data,
                                                                    actor=office, legal_date=action.on))
    elif action.kind == "approve":
        _write(engine, lambda uow: services.record_council_decision(
            uow, blobs, plan_id=plan_id, decision="aprobar", actor=council, legal_date=action.on,
            number=action.number, content=SYNTHETIC_PDF, filename="acto-aprobacion-sintetico.pdf"))
    elif action.kind == "decide":  # the decision records the texts its definition asks for
        _write(engine, lambda uow: services.record_council_decision(
            uow, blobs, plan_id=plan_id, decision=action.target, actor=council, legal_date=action.on,
            number=action.number, content=SYNTHETIC_PDF, filename="acto-sintetico.pdf", reasons=action.data,
            modifications=action.data))
    else:
        try:
            _write(engine, lambda uow: services.advance(uow, plan_id=plan_id, trigger=action.target, actor=office,
                                                         legal_date=action.on))
        except GuardFailed:
            if action.kind != "attempt":
                raise
            return 1
    return 0


def _mark(engine: Engine, seed: int) -> None:
    with UnitOfWork(engine, write=True) as uow:
        uow.session.merge(DatasetMarker(key=SYNTHETIC_DEMO, value=json.dumps({"seed": seed, "period": PERIOD,
                                                                           "hasta": DEMO_END.isoformat()}),
                                        created_at=datetime.now(timezone.utc)))
        uow.commit()
