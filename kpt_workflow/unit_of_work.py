"""One unit of work = one transaction; it rolls back on exit unless the use-case committed."""

from types import TracebackType

from sqlalchemy import Connection, Engine, Transaction
from sqlmodel import Session

from kpt_workflow.commit_group import UnitSavepoint, open_group
from kpt_workflow.db import WRITE_OPTION, SqliteWriter, sqlite_writer
from kpt_workflow.idempotency import Answer, Claim, Outcome, record
from kpt_workflow.recorder import recorder


class UnitOfWork:
    """Open with `write=True` for use-cases that change data: on SQLite it takes the write lock
    at BEGIN (after its turn among the process's writers, on their shared connection: see
    db.SqliteWriter), so the facts a guard reads cannot change before the commit. In a thread
    with a commit group open (kpt_workflow.commit_group), every unit of work (reads too) is a
    savepoint of the group's transaction instead, and its commit is durable only when the
    group's is.

    The transaction lives on a Connection (Core statements on the hot path cost a fraction of ORM
    ones); a Session joined to that same transaction is made only when a use-case asks for it.
    """

    def __init__(self, engine: Engine, *, write: bool = False, claim: Claim | None = None) -> None:
        """`claim`: an idempotency key to store, with the answer to the use-case's outcome, in the
        same transaction as the change it guards."""
        self.engine = engine
        self.write = write
        self.claim = claim
        self.answer: Answer | None = None  # what the commit stored under the claim
        self._connection: Connection | None = None
        self._transaction: Transaction | UnitSavepoint | None = None
        self._session: Session | None = None
        self._writer: SqliteWriter | None = None  # whose turn this unit holds, on SQLite

    def __enter__(self) -> "UnitOfWork":
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self._release()

    @property
    def connection(self) -> Connection:
        if self._connection is None:
            writer = sqlite_writer(self.engine)
            group = open_group(writer) if writer is not None else None
            if group is not None:
                self._transaction = group.join()
                connection = self._transaction.connection
            else:
                if writer is not None and self.write:
                    connection = writer.take_turn()  # BEGIN IMMEDIATE below then takes SQLite's lock
                    self._writer = writer  # however the unit ends, `_release` gives the turn back
                else:
                    connection = self.engine.connect().execution_options(**{WRITE_OPTION: self.write})
                self._transaction = connection.begin()
            self._connection = connection
        return self._connection

    @property
    def session(self) -> Session:
        if self._session is None:
            self._session = Session(bind=self.connection, expire_on_commit=False,
                                    join_transaction_mode="create_savepoint")
        return self._session

    def commit(self, outcome: Outcome | None = None) -> None:
        """`outcome`: the use-case's result, or the refusal it commits and then raises; under a
        claim, the answer to it is stored with the key in this transaction."""
        if self._session is not None:
            self._session.commit()  # flushes and releases its savepoint; the unit's transaction is ours
        if self.claim is not None and outcome is None:
            raise ValueError("a use-case under an idempotency claim commits with its outcome")
        # The key's row and the COMMIT in one round trip, after what the recorder held back (on
        # PostgreSQL the chain's lock and the event's insert: kpt_workflow.recorder).
        with recorder(self.connection).one_round_trip():
            if self.claim is not None:
                self.answer = self.claim.answer(outcome)
                record(self.connection, self.claim, self.answer)
                self.claim = None
            self._begun().commit()
        self._release()  # a later read opens a new transaction

    def _begun(self) -> Transaction | UnitSavepoint:
        """The unit's transaction (or savepoint), begun now if nothing has used the unit yet."""
        if self._transaction is None:
            self.connection  # noqa: B018  (opening the connection begins it)
        assert self._transaction is not None
        return self._transaction

    def _release(self) -> None:
        """End without committing: whatever was not committed is rolled back; then let the next
        writer in (even if that failed: a turn never given back would stop every writer). A
        group's connection stays with the group."""
        connection, self._connection = self._connection, None
        transaction, self._transaction = self._transaction, None
        writer, self._writer = self._writer, None
        try:
            if self._session is not None:
                self._session.close()
            if isinstance(transaction, UnitSavepoint):
                transaction.rollback()  # back to the unit's savepoint; the group goes on
            elif connection is not None and writer is None:
                connection.close()
        finally:
            self._session = None
            if writer is not None:
                writer.end_turn()  # the shared connection stays open for the next writer
