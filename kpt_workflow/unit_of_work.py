"""One unit of work = one transaction; it rolls back on exit unless the use-case committed."""

from types import TracebackType

from sqlalchemy import Connection, Engine
from sqlmodel import Session

from kpt_workflow.db import WRITE_OPTION
from kpt_workflow.idempotency import Claim, insert_claim


class UnitOfWork:
    """Open with `write=True` for use-cases that change data: on SQLite it takes the write lock
    at BEGIN, so the facts a guard reads cannot change before the commit.

    The transaction lives on a Connection (Core statements on the hot path cost a fraction of ORM
    ones); a Session joined to that same transaction is made only when a use-case asks for it.
    """

    def __init__(self, engine: Engine, *, write: bool = False, claim: Claim | None = None) -> None:
        """`claim`: an idempotency key to record in the same transaction as the change it guards."""
        self.engine = engine
        self.write = write
        self.claim = claim
        self._connection: Connection | None = None
        self._session: Session | None = None

    def __enter__(self) -> "UnitOfWork":
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self._release()

    @property
    def connection(self) -> Connection:
        if self._connection is None:
            self._connection = self.engine.connect().execution_options(**{WRITE_OPTION: self.write})
            self._connection.begin()
        return self._connection

    @property
    def session(self) -> Session:
        if self._session is None:
            self._session = Session(bind=self.connection, expire_on_commit=False,
                                    join_transaction_mode="create_savepoint")
        return self._session

    def commit(self) -> None:
        if self._session is not None:
            self._session.flush()
        if self.claim is not None:
            insert_claim(self.connection, self.claim)
            self.claim = None
        self.connection.commit()
        self._release()  # a later read opens a new transaction

    def _release(self) -> None:
        """Close without committing: whatever was not committed is rolled back."""
        if self._session is not None:
            self._session.close()
        if self._connection is not None:
            self._connection.close()
        self._session = self._connection = None
