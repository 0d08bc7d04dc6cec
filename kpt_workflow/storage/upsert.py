"""Reference data is refreshed, never pruned: new keys are added, changed rows updated in place."""

from collections.abc import Callable, Sequence
from typing import TypeVar

from sqlmodel import Session, SQLModel, select

Row = TypeVar("Row", bound=SQLModel)


def upsert(session: Session, model: type[Row], rows: Sequence[Row], key: Callable[[Row], object]) -> tuple[int, int]:
    """Add the rows whose `key` is new and update the ones that differ; returns (added, updated)."""
    known = {key(row): row for row in session.exec(select(model))}
    added = updated = 0
    for row in rows:
        current = known.get(key(row))
        if current is None:
            session.add(row)
            added += 1
        elif current.model_dump() != row.model_dump():
            for name, value in row.model_dump().items():
                setattr(current, name, value)
            updated += 1
    return added, updated
