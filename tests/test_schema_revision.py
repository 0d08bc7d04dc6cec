"""Every entry point checks the database's schema revision before it uses it: an older one is
refused with the way to upgrade it (`kpt init`, lossless), a newer one (a revision this code does
not know) is refused outright, and a missing or empty database is refused and never created, except
by `kpt init` and `kpt demo`. On SQLite and PostgreSQL."""

from collections.abc import Iterator
from contextlib import contextmanager

import pytest
from alembic.script import ScriptDirectory
from sqlalchemy import Engine, event, text

from in_process import run_kpt
from api.app import create_app
from kpt_workflow.base.config import Settings
from kpt_workflow.storage.db import make_engine
from kpt_workflow.storage.migrate import (SchemaMissing, SchemaNewer, SchemaOutdated, alembic_config, current_revision,
                                  downgrade, head_revision, known_revisions, require_current_schema)
from kpt_workflow.storage.repository import plan_record
from kpt_workflow.storage.unit_of_work import UnitOfWork


def _url(engine: Engine) -> str:
    return engine.url.render_as_string(hide_password=False)


def _fresh(engine: Engine) -> Engine:
    """An engine of its own on the same database: the schema check is cached per engine."""
    return make_engine(_url(engine))


WRITE = ("plan", "create", "08001", "--period", "2024")  # a command that would write, were it let


def _plans(engine: Engine) -> set[str]:
    """The plans in the database, read without the models (whose columns an older schema may lack)."""
    with engine.connect() as conn:
        return set(conn.execute(text("SELECT id FROM plan")).scalars())


def _set_revision(engine: Engine, revision: str) -> None:
    with engine.begin() as conn:
        conn.execute(text("UPDATE alembic_version SET version_num = :r"), {"r": revision})


@contextmanager
def _newer(engine: Engine) -> Iterator[None]:
    """The database as a later kpt-workflow would leave it (a revision this code lacks)."""
    _set_revision(engine, "0999")
    try:
        yield
    finally:
        _set_revision(engine, head_revision())


def _kpt(monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], url: str, *args: str) -> tuple[int, str]:
    monkeypatch.setenv("KPT_DATABASE_URL", url)
    code, out, err = run_kpt(capsys, args)
    return code, out + err


def test_the_known_revisions_are_alembics_own_chain():
    """`known_revisions` reads file names (cheap); Alembic's index, which imports every migration,
    must agree with it, in order."""
    scripts = ScriptDirectory.from_config(alembic_config())
    assert known_revisions() == tuple(reversed([s.revision for s in scripts.walk_revisions()]))
    assert head_revision() == scripts.get_current_head()


def test_a_current_schema_is_checked_once_per_engine(engine):
    checked = _fresh(engine)
    statements: list[str] = []
    event.listen(checked, "before_cursor_execute", lambda *args: statements.append(args[2]))
    require_current_schema(checked)
    first = len(statements)
    require_current_schema(checked)
    checked.dispose()
    assert 1 <= first <= 2 and len(statements) == first


def test_an_older_schema_is_refused_until_kpt_init_upgrades_it_losslessly(engine, new_plan, tmp_path, monkeypatch,
                                                                          capsys):
    plan_id = new_plan("05001")
    downgrade(engine, known_revisions()[-2])
    try:
        with pytest.raises(SchemaOutdated, match="ejecute `kpt init` para actualizar la base"):
            require_current_schema(_fresh(engine))
        for args in (("plan", "list"), WRITE):
            code, said = _kpt(monkeypatch, capsys, _url(engine), *args)
            assert code == 1 and "[esquema_desactualizado]" in said
            assert "ejecute `kpt init` para actualizar la base" in said
        with pytest.raises(SchemaOutdated):
            create_app(Settings(database_url=_url(engine), data_dir=tmp_path / "data"))
        assert _plans(engine) == {plan_id}  # nothing was written into the old schema
    finally:
        code, said = _kpt(monkeypatch, capsys, _url(engine), "init")
    assert code == 0, said
    assert current_revision(engine) == head_revision()
    with UnitOfWork(_fresh(engine)) as uow:
        assert plan_record(uow.connection, plan_id) is not None


def test_a_newer_schema_is_refused_by_commands_init_and_the_server(engine, new_plan, tmp_path, monkeypatch, capsys):
    plan_id = new_plan("05001")
    with _newer(engine):
        with pytest.raises(SchemaNewer, match="más nuevo que el de este programa"):
            require_current_schema(_fresh(engine))
        for args in (("plan", "list"), WRITE, ("init",), ("serve", "--port", "1")):
            code, said = _kpt(monkeypatch, capsys, _url(engine), *args)
            assert code == 1 and "[esquema_mas_nuevo]" in said and "actualice kpt-workflow" in said
        with pytest.raises(SchemaNewer):
            create_app(Settings(database_url=_url(engine), data_dir=tmp_path / "data"))
        assert current_revision(engine) == "0999"  # init wrote nothing
        assert _plans(engine) == {plan_id}  # nor did the other commands


def test_a_missing_sqlite_file_is_refused_and_not_created(tmp_path, monkeypatch, capsys):
    path = tmp_path / "nueva.db"
    code, said = _kpt(monkeypatch, capsys, f"sqlite:///{path}", "plan", "list")
    assert code == 1 and "no existe o está vacía: créela con `kpt init` (o `kpt demo`)" in said
    with pytest.raises(SchemaMissing):
        create_app(Settings(database_url=f"sqlite:///{path}", data_dir=tmp_path / "data"))
    assert not path.exists()


def test_only_init_creates_a_database(tmp_path, monkeypatch, capsys):
    path = tmp_path / "nueva.db"
    code, said = _kpt(monkeypatch, capsys, f"sqlite:///{path}", "indicators", "import", str(tmp_path / "x.csv"))
    assert code == 1 and not path.exists()
    code, said = _kpt(monkeypatch, capsys, f"sqlite:///{path}", "init")
    assert code == 0, said
    assert current_revision(make_engine(f"sqlite:///{path}")) == head_revision()


@pytest.mark.postgres
def test_an_empty_postgresql_schema_is_refused(engine, monkeypatch, capsys):
    if engine.dialect.name != "postgresql":
        pytest.skip("an empty PostgreSQL schema")
    with engine.begin() as conn:
        conn.execute(text("DROP SCHEMA IF EXISTS vacio CASCADE"))
        conn.execute(text("CREATE SCHEMA vacio"))
    empty = engine.url.update_query_dict({"options": "-csearch_path=vacio"}).render_as_string(hide_password=False)
    try:
        code, said = _kpt(monkeypatch, capsys, empty, "plan", "list")
        assert code == 1 and "[base_inexistente]" in said and "créela con `kpt init`" in said
    finally:
        with engine.begin() as conn:
            conn.execute(text("DROP SCHEMA vacio CASCADE"))
