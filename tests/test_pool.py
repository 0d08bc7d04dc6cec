"""PostgreSQL's pool checks a connection before handing it out (`pool_pre_ping`): one the server
closed while it sat in the pool is replaced, and the caller never sees the error."""


from sqlalchemy import Engine


def _backend(engine: Engine) -> int:
    with engine.connect() as conn:
        return int(conn.exec_driver_sql("SELECT pg_backend_pid()").scalar_one())


def test_a_connection_the_server_closed_while_it_sat_idle_is_replaced(pg_engine: Engine, engine: Engine) -> None:
    closed = _backend(pg_engine)
    with engine.connect() as other:
        assert other.exec_driver_sql(f"SELECT pg_terminate_backend({closed})").scalar_one()

    assert _backend(pg_engine) != closed  # and no error reached the caller
