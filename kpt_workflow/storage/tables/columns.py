"""Column types the tables share."""

from decimal import Decimal

from sqlalchemy import String, TypeDecorator



class DecimalText(TypeDecorator[Decimal]):
    """Exact decimals on SQLite and PostgreSQL alike: stored as their canonical text."""

    impl = String
    cache_ok = True

    def process_bind_param(self, value: Decimal | None, dialect: object) -> str | None:
        return None if value is None else str(value)

    def process_result_value(self, value: str | None, dialect: object) -> Decimal | None:
        return None if value is None else Decimal(value)
