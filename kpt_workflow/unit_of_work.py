"""One unit of work = one transaction; it rolls back on exit unless the use-case committed."""

from types import TracebackType

from sqlalchemy import Engine
from sqlmodel import Session

from kpt_workflow.db import WRITE_OPTION


class UnitOfWork:
    """Open with `write=True` for use-cases that change data: on SQLite it takes the write lock
    at BEGIN, so the facts a guard reads cannot change before the commit."""

    def __init__(self, engine: Engine, *, write: bool = False) -> None:
        self.engine = engine
        self.write = write
        self.session: Session

    def __enter__(self) -> "UnitOfWork":
        self.session = Session(self.engine, expire_on_commit=False)
        self.session.connection(execution_options={WRITE_OPTION: self.write})
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        # close() rolls back whatever was not committed, and leaves loaded objects readable.
        self.session.close()

    def commit(self) -> None:
        self.session.commit()
