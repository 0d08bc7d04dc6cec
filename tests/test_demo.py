"""The synthetic demo goes through the real engine: reproducible, verifiable, marked synthetic."""

from datetime import date

from sqlmodel import select

from kpt_workflow.audit.verify import verify
from kpt_workflow.audit import replay
from kpt_workflow.services.bootstrap import init_database
from kpt_workflow.storage.db import make_engine
from kpt_workflow.services.demo import DEMO_END, run_demo
from kpt_workflow.storage.tables import SYNTHETIC_DEMO, DatasetMarker, Entity
from kpt_workflow.storage.recorder import EVENTS
from kpt_workflow.storage.unit_of_work import UnitOfWork


def _sample(engine, size=90):  # type: ignore[no-untyped-def]
    with UnitOfWork(engine) as uow:
        codes = list(uow.session.exec(select(Entity.code).where(Entity.plans_own_pdt).order_by(Entity.code)))
    return codes[:: len(codes) // size][:size]


def _demo(engine, blobs, seed, codes):  # type: ignore[no-untyped-def]
    """As `kpt demo` runs it: on an engine that loads without waiting for an fsync per commit."""
    loader = make_engine(engine.url.render_as_string(hide_password=False), bulk_load=True)
    try:
        return run_demo(loader, blobs, seed=seed, entity_codes=codes)
    finally:
        loader.dispose()


def test_demo_drives_plans_through_every_outcome_and_the_audit_holds(engine, blobs):
    summary = _demo(engine, blobs, 7, _sample(engine))
    assert summary.plans == 90 and summary.refused > 0
    assert {"aprobado", "adoptado_por_decreto", "discusion_corporaciones"} <= set(summary.states)
    with UnitOfWork(engine) as uow:
        assert verify(uow.connection).ok
        assert replay.differences(uow.connection) == []
        legal_dates = [d for (d,) in uow.connection.execute(select(EVENTS.c.legal_date)) if d is not None]
        assert max(legal_dates) <= DEMO_END and min(legal_dates) >= date(2023, 7, 1)
        assert uow.session.get(DatasetMarker, SYNTHETIC_DEMO) is not None
        actors = {a for (a,) in uow.connection.execute(select(EVENTS.c.actor).distinct())}
        decided = {a for (a,) in uow.connection.execute(select(EVENTS.c.action).where(
            EVENTS.c.event_type == "transition_applied", EVENTS.c.from_state.in_(("discusion_corporaciones", "negado"))))}
    assert actors <= {"sintetico:planeacion", "sintetico:corporacion"}
    # every outcome of the council (Ley 152 de 1994, art. 40), and the decree after its month or its denial
    assert decided == {"aprobar", "aprobar_con_modificaciones", "devolver_para_ajustes", "negar", "adoptar_por_decreto"}


def test_same_seed_gives_the_same_country(engine, blobs, tmp_path):
    codes = _sample(engine, 30)
    first = _demo(engine, blobs, 11, codes)
    other = make_engine(f"sqlite:///{tmp_path / 'otra.db'}")
    init_database(other)
    second = _demo(other, blobs, 11, codes)
    other.dispose()
    assert first.as_dict() == second.as_dict()


def test_only_the_demos_loader_commits_without_waiting_for_the_disk(engine):
    """`bulk_load` (the demo's engine) relaxes the fsync wait at each commit on either database; the
    service's engine keeps it, so an acknowledged change survives a power cut. On PostgreSQL the
    session options the URL gives still hold beside it."""
    url = engine.url.render_as_string(hide_password=False)
    ask = "PRAGMA synchronous" if engine.dialect.name == "sqlite" else "SHOW synchronous_commit"
    relaxed, kept = {"sqlite": (1, 2), "postgresql": ("off", "on")}[engine.dialect.name]  # SQLite: NORMAL, FULL
    for bulk_load, expected in ((True, relaxed), (False, kept)):
        probe = make_engine(url, bulk_load=bulk_load)
        try:
            with probe.connect() as conn:
                assert conn.exec_driver_sql(ask).scalar() == expected
        finally:
            probe.dispose()
    if engine.dialect.name == "postgresql":
        probe = make_engine(engine.url.update_query_dict({"options": "-c application_name=kpt-demo"})
                            .render_as_string(hide_password=False), bulk_load=True)
        try:
            with probe.connect() as conn:
                assert conn.exec_driver_sql("SHOW application_name").scalar() == "kpt-demo"
                assert conn.exec_driver_sql(ask).scalar() == relaxed
        finally:
            probe.dispose()
