"""The kpt database the transition benchmarks time their steps on, set up through the service
layer and not timed: a fresh file, plans before the council, and the back edge that gives them an
endless supply of allowed steps.

The back edge `devolver_para_ajustes` / `radicar_ante_corporacion` always carries the same legal
date (`LEGAL_DAY`), the date of the plan's `radicado_corporacion` and of the session's act of the
return (`acta_sesion_devolucion`, filed once at setup), so rules `radicado_corporacion_vigente`
and `acta_sesion_devolucion_de_esta_ronda` keep passing with no re-filing."""

from __future__ import annotations

import time
from dataclasses import dataclass
from datetime import date
from pathlib import Path

from sqlalchemy import Engine, func
from sqlmodel import select

from kpt_workflow import services
from kpt_workflow.services.access import operator
from kpt_workflow.storage.blobs import BlobStore
from kpt_workflow.services.bootstrap import init_database
from kpt_workflow.storage.db import make_engine
from kpt_workflow.storage.tables import AuditEvent, Entity
from kpt_workflow.services.sample import DOCUMENTS_2024, INVESTMENT_PLAN, PDF, STEPS_2024, STRATEGIC_PART, STRATEGY_DATES
from kpt_workflow.storage.unit_of_work import UnitOfWork
from kpt_workflow.base.words import MUNICIPIO

PERIOD = 2024
ACTOR = operator("bench")
BUSY_TIMEOUT_MS = 30_000  # make_engine's default, used for the kpt database and the bare ones alike
# The one legal day of the council round: date of `radicado_corporacion`, of the step that puts the
# plan before the council, and of every timed step, so the back edge never needs a new filing.
LEGAL_DAY = date(2024, 5, 6)
# The synthetic sample cycle, with the council round moved to that day.
DOCUMENTS: dict[str, tuple[date, str | None]] = {**DOCUMENTS_2024, "radicado_corporacion": (LEGAL_DAY, "PA-045"),
                                                  "acta_sesion_devolucion": (LEGAL_DAY, "Acta 21")}
SETUP_STEPS: list[tuple[str, date]] = [*STEPS_2024[:-1], ("radicar_ante_corporacion", LEGAL_DAY)]
# The back edge: from each state, the step that leads to the other one.
BACK_EDGE: dict[str, str] = {
    "discusion_corporaciones": "devolver_para_ajustes",
    "tramite_ambiental_y_planeacion": "radicar_ante_corporacion",
}


@dataclass(frozen=True)
class Setup:
    plans: int
    filings: int
    steps: int
    seconds: float


def create_database(directory: Path) -> Engine:
    """A fresh kpt database: schema by migrations and the DIVIPOLA registry, as `kpt init` does."""
    engine = make_engine(f"sqlite:///{directory / 'kpt.db'}", busy_timeout_ms=BUSY_TIMEOUT_MS)
    init_database(engine)
    return engine


def pick_municipalities(engine: Engine, count: int) -> list[str]:
    """`count` municipality codes spread evenly over the registry (all departments represented)."""
    with UnitOfWork(engine) as uow:
        codes = list(uow.session.exec(select(Entity.code).where(Entity.kind == MUNICIPIO).order_by(Entity.code)))
    if count > len(codes):
        raise SystemExit(f"--plans {count}: the registry has only {len(codes)} municipalities")
    stride = len(codes) / count
    return [codes[int(i * stride)] for i in range(count)]


def record_strategy(engine: Engine, plan_id: str) -> None:
    """Record the parte estratégica and the plan plurianual that `radicar_ante_ctp` checks."""
    with UnitOfWork(engine, write=True) as uow:
        services.record_strategic_part(uow, plan_id=plan_id, data=STRATEGIC_PART, actor=ACTOR,
                                       legal_date=STRATEGY_DATES[0])
    with UnitOfWork(engine, write=True) as uow:
        services.record_investment_plan(uow, plan_id=plan_id, data=INVESTMENT_PLAN, actor=ACTOR,
                                        legal_date=STRATEGY_DATES[1])


def prepare_plan(engine: Engine, blobs: BlobStore, entity_code: str) -> str:
    """Create the entity's 2024 plan, file its documents, record its strategy and take it before the council."""
    with UnitOfWork(engine, write=True) as uow:
        plan_id = str(services.create_plan(uow, entity_code=entity_code, period=PERIOD, actor=ACTOR,
                                           legal_date=date(PERIOD, 1, 1))["id"])
    for doc_type, (legal_date, number) in DOCUMENTS.items():
        filing = services.Filing(doc_type=doc_type, content=PDF, filename=f"{doc_type}.pdf",
                                 legal_date=legal_date, number=number)
        with UnitOfWork(engine, write=True) as uow:
            services.file_document(uow, blobs, plan_id=plan_id, filing=filing, actor=ACTOR)
    record_strategy(engine, plan_id)
    for trigger, legal_date in SETUP_STEPS:
        with UnitOfWork(engine, write=True) as uow:
            services.advance(uow, plan_id=plan_id, trigger=trigger, actor=ACTOR, legal_date=legal_date)
    return plan_id


def prepare_plans(engine: Engine, blobs: BlobStore, count: int) -> tuple[list[str], Setup]:
    start = time.perf_counter()
    plan_ids = [prepare_plan(engine, blobs, code) for code in pick_municipalities(engine, count)]
    setup = Setup(plans=len(plan_ids), filings=len(plan_ids) * len(DOCUMENTS),
                  steps=len(plan_ids) * len(SETUP_STEPS), seconds=time.perf_counter() - start)
    return plan_ids, setup


def last_event_seq(engine: Engine) -> int:
    """The audit log's last sequence number: the timed parts' events come after it."""
    with UnitOfWork(engine) as uow:
        return int(uow.session.exec(select(func.coalesce(func.max(AuditEvent.seq), 0))).one())
