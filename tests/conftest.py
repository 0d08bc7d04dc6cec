"""Shared fixtures: every test that touches a database runs on SQLite and, when
KPT_TEST_DATABASE_URL is set (CI), on PostgreSQL too: one suite, two backends."""

import os
import shutil
from collections.abc import Callable, Iterator
from datetime import date, datetime, timezone
from pathlib import Path

import pytest
from argon2 import PasswordHasher
from sqlalchemy import Engine, create_engine, make_url, text

from in_process import run_kpt
from kpt_workflow.services import accounts

from kpt_workflow import services
from kpt_workflow.services.access import Actor, operator
from kpt_workflow.storage.blobs import BlobStore
from kpt_workflow.services.amendments import load_fixtures
from kpt_workflow.services.bootstrap import init_database, load_pnd_catalog, load_territory_data
from kpt_workflow.lifecycle.engine import use_definitions_from
from kpt_workflow.storage.db import make_engine
from kpt_workflow.services.sample import DOCUMENTS_2024, INVESTMENT_PLAN, PDF, STEPS_2024, STRATEGIC_PART, STRATEGY_DATES  # noqa: F401
from kpt_workflow.storage.schema import metadata
from kpt_workflow.storage.tables import SYNTHETIC_DEMO, DatasetMarker
from kpt_workflow.storage.unit_of_work import UnitOfWork
from kpt_workflow.reference.categories import read_categories
from kpt_workflow.storage.reference_data import import_categories

PG_URL = os.environ.get("KPT_TEST_DATABASE_URL")
# What a test may write: everything but the reference data loaded by init (registry, indicator battery,
# categories, the calendar's term ends).
PLAN_TABLES = [t.name for t in metadata.sorted_tables
               if t.name not in ("entity", "indicator", "entity_category", "term_end", "territory_indicator",
                                 "territory_profile", "mga_product")]
# The tidy synthetic cycle, under the names the tests use.
CYCLE_2024 = DOCUMENTS_2024

@pytest.fixture(scope="session", autouse=True)
def _cheap_password_hashes() -> Iterator[None]:
    """argon2 at its production cost (64 MiB, ~0.1-0.5 s a hash here) in every login of the suite
    cost minutes; the tests prove the login's logic, not argon2's cost, so they hash cheaply."""
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(accounts, "_hasher", PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1))
        yield


@pytest.fixture(scope="session")
def _sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Migrations and the DIVIPOLA load run once; each test gets a copy of the file."""
    path = tmp_path_factory.mktemp("template") / "kpt.db"
    engine = make_engine(f"sqlite:///{path}")
    init_database(engine)
    engine.dispose()
    return path


@pytest.fixture(scope="session")
def _pg_engine() -> Iterator[Engine]:
    url, made = _database_of_this_worker(PG_URL or "")
    engine = make_engine(url)
    with engine.begin() as conn:
        conn.execute(text("DROP SCHEMA public CASCADE"))
        conn.execute(text("CREATE SCHEMA public"))
    init_database(engine)
    yield engine
    engine.dispose()
    if made:
        _in_autocommit(PG_URL or "", f'DROP DATABASE "{make_url(url).database}" WITH (FORCE)')


def _database_of_this_worker(url: str) -> tuple[str, bool]:
    """Under pytest-xdist (`-n`), each worker process empties and fills a database of its own,
    made beside the one given (named after it and the worker) and dropped at the end; without it,
    the one given. Returns the URL and whether it was made here."""
    worker = os.environ.get("PYTEST_XDIST_WORKER")
    if not worker:
        return url, False
    given = make_url(url)
    name = f"{given.database}_{worker}"
    _in_autocommit(url, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')  # one a killed run left behind
    _in_autocommit(url, f'CREATE DATABASE "{name}"')
    return given.set(database=name).render_as_string(hide_password=False), True


def _in_autocommit(url: str, statement: str) -> None:
    """CREATE and DROP DATABASE run outside a transaction (WITH (FORCE): PostgreSQL 13 or later)."""
    engine = create_engine(url, isolation_level="AUTOCOMMIT")
    try:
        with engine.connect() as conn:
            conn.execute(text(statement))
    finally:
        engine.dispose()


def _backends() -> list[object]:
    marks = [] if PG_URL else [pytest.mark.skip(reason="KPT_TEST_DATABASE_URL no está definido")]
    return ["sqlite", pytest.param("postgresql", marks=[pytest.mark.postgres, *marks])]


@pytest.fixture(params=_backends())
def engine(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Engine]:
    if request.param == "sqlite":
        path = tmp_path / "kpt.db"
        shutil.copy(request.getfixturevalue("_sqlite_template"), path)
        sqlite_engine = make_engine(f"sqlite:///{path}")
        yield sqlite_engine
        sqlite_engine.dispose()
        return
    pg = request.getfixturevalue("_pg_engine")
    with pg.begin() as conn:
        conn.execute(text("TRUNCATE " + ", ".join(f'"{name}"' for name in PLAN_TABLES)))
        load_fixtures(conn, operator("kpt init"))  # as `kpt init` left it, like the SQLite template
        if conn.execute(text("SELECT 1 FROM mga_product LIMIT 1")).first() is None:
            load_territory_data(conn)  # a migration test went below 0016 and back: its tables came back empty
        load_pnd_catalog(conn)  # truncated with the plans: a test may have imported another PND
    yield pg


@pytest.fixture
def pg_engine(engine: Engine) -> Iterator[Engine]:
    """An engine of its own (a pool of its own, to watch) on the PostgreSQL test database."""
    if engine.dialect.name != "postgresql":
        pytest.skip("a pool of PostgreSQL connections: SQLite has no server to lose, and shares one writer")
    own = make_engine(engine.url.render_as_string(hide_password=False))
    yield own
    own.dispose()


@pytest.fixture
def blobs(tmp_path: Path) -> BlobStore:
    return BlobStore(tmp_path / "data")


@pytest.fixture
def kpt_on(monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], tmp_path: Path):
    """Run `kpt ARGS…` in-process on the database `url` and the `blobs` fixture's data folder;
    returns (exit code, everything printed). Keyword arguments: more environment variables."""
    monkeypatch.setenv("KPT_DATA_DIR", str(tmp_path / "data"))

    def run(url: str, *args: str, **env: str) -> tuple[int, str]:
        monkeypatch.setenv("KPT_DATABASE_URL", url)
        for name, value in env.items():
            monkeypatch.setenv(name, value)
        code, out, err = run_kpt(capsys, args)
        return code, out + err

    return run


@pytest.fixture
def definitions_folder(tmp_path: Path) -> Iterator[Path]:
    """An empty folder for workflow definitions (KPT_DEFINITIONS_DIR), which the test fills and
    hands to the engine, the CLI or the app; after the test the engine reads the package's alone."""
    folder = tmp_path / "flujos"
    folder.mkdir()
    yield folder
    use_definitions_from(None)


SECOND_WORKFLOW = Path(__file__).parent / "workflows" / "tramite_corto.yaml"


@pytest.fixture
def second_workflow(definitions_folder: Path) -> Path:
    """The definitions folder with a second workflow dropped in (tests/workflows/tramite_corto.yaml:
    borrador → en_revision → cerrado, on two document rules), as a user would declare it."""
    shutil.copy(SECOND_WORKFLOW, definitions_folder)
    return definitions_folder


@pytest.fixture
def new_plan(engine: Engine) -> Callable[..., str]:
    def create(entity_code: str = "05001", period: int = 2024) -> str:
        with UnitOfWork(engine, write=True) as uow:
            return str(services.create_plan(uow, entity_code=entity_code, period=period, actor=operator("test"))["id"])

    return create


@pytest.fixture
def file_doc(engine: Engine, blobs: BlobStore) -> Callable[..., dict[str, object]]:
    def file(plan_id: str, doc_type: str, legal_date: date | None = None, number: str | None = None,
             **overrides: object) -> dict[str, object]:
        fields: dict[str, object] = {
            "content": PDF, "filename": f"{doc_type}.pdf",
            "legal_date": legal_date or CYCLE_2024.get(doc_type, (date(2024, 1, 2), None))[0],
            "number": number if number is not None else CYCLE_2024.get(doc_type, (None, None))[1],
            **overrides,
        }
        filing = services.Filing(doc_type=doc_type, **fields)  # type: ignore[arg-type]
        with UnitOfWork(engine, write=True) as uow:
            return services.file_document(uow, blobs, plan_id=plan_id, filing=filing, actor=operator("test"))

    return file


@pytest.fixture
def advance(engine: Engine) -> Callable[..., dict[str, object]]:
    def step(plan_id: str, trigger: str, legal_date: date, expected_version: int | None = None) -> dict[str, object]:
        with UnitOfWork(engine, write=True) as uow:
            return services.advance(uow, plan_id=plan_id, trigger=trigger, actor=operator("test"), legal_date=legal_date,
                                    expected_version=expected_version)

    return step


@pytest.fixture
def record_strategy(engine: Engine) -> Callable[..., None]:
    """Record the parte estratégica and the investment plan (defaults: the complete ones above)."""

    def record(plan_id: str, part: object = STRATEGIC_PART, investments: object = INVESTMENT_PLAN) -> None:
        with UnitOfWork(engine, write=True) as uow:
            services.record_strategic_part(uow, plan_id=plan_id, data=part, actor=operator("test"), legal_date=STRATEGY_DATES[0])
        with UnitOfWork(engine, write=True) as uow:
            services.record_investment_plan(uow, plan_id=plan_id, data=investments, actor=operator("test"),
                                            legal_date=STRATEGY_DATES[1])

    return record


@pytest.fixture
def plan_in_council(new_plan, file_doc, advance, record_strategy) -> str:  # type: ignore[no-untyped-def]
    """A 2024 plan of Medellín before its concejo, driven through the real service layer."""
    plan_id = new_plan()
    for doc_type in CYCLE_2024:
        file_doc(plan_id, doc_type)
    record_strategy(plan_id)
    for trigger, legal_date in STEPS_2024:
        advance(plan_id, trigger, legal_date)
    return plan_id


COUNCIL = Actor("concejo", "corporacion", "05001")
RETURN_ACT = ("acta_sesion_devolucion", date(2024, 5, 10), "Acta 21")
"""The session's act of a return of the tidy cycle's draft (its date is the session's)."""


@pytest.fixture
def decide(engine: Engine, blobs: BlobStore) -> Callable[..., dict[str, object]]:
    """Record a council decision as Medellín's concejo, through the real use-case: `decide(plan,
    'devolver', date, number='Acta 21', reasons='…')`."""
    def run(plan_id: str, decision: str, legal_date: date, number: str | None = None, reasons: str | None = None,
            modifications: str | None = None) -> dict[str, object]:
        with UnitOfWork(engine, write=True) as uow:
            return services.record_council_decision(uow, blobs, plan_id=plan_id, decision=decision, actor=COUNCIL,
                                                    legal_date=legal_date, number=number, content=PDF,
                                                    filename="acto.pdf", reasons=reasons, modifications=modifications)

    return run


@pytest.fixture
def plan_to_return(plan_in_council: str, file_doc: Callable[..., dict[str, object]]) -> str:
    """The plan before its concejo with the session's act of a return on file (RETURN_ACT), so
    that the council's `devolver_para_ajustes` may be fired as a plain step (its rules ask for
    that act of this round)."""
    doc_type, legal_date, number = RETURN_ACT
    file_doc(plan_in_council, doc_type, legal_date, number, note="Motivos: ajustar el plan plurianual.")
    return plan_in_council


@pytest.fixture
def categories(engine: Engine) -> None:
    """The shipped categories (loaded by init; the PostgreSQL fixture empties every non-registry table)."""
    with UnitOfWork(engine, write=True) as uow:
        import_categories(uow.session, read_categories())
        uow.commit()


@pytest.fixture
def pdf(tmp_path: Path) -> Path:
    """A small valid PDF on disk, for the commands that file a document from a path."""
    path = tmp_path / "documento.pdf"
    path.write_bytes(PDF)
    return path


@pytest.fixture
def synthetic(engine: Engine) -> None:
    """The database marked as holding the synthetic demo, as `kpt demo` leaves it."""
    with UnitOfWork(engine, write=True) as uow:
        uow.session.merge(DatasetMarker(key=SYNTHETIC_DEMO, value="{}", created_at=datetime.now(timezone.utc)))
        uow.commit()
