"""Date arithmetic that SQLite and PostgreSQL each write their own way, as SQL functions the
reports' statements use on both databases."""

from typing import Any

from sqlalchemy import Date, Integer
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.compiler import SQLCompiler
from sqlalchemy.sql.functions import FunctionElement
from sqlalchemy.types import TypeEngine


def _sql_function(name: str, type_: TypeEngine[Any], *, sqlite: str, postgresql: str) -> type[FunctionElement[Any]]:
    """A function each database writes its own way: `sqlite` and `postgresql` are the SQL, with
    the arguments as {0}, {1}…"""
    function: type[FunctionElement[Any]] = type(name, (FunctionElement,), {"type": type_, "name": name,
                                                                            "inherit_cache": True})
    for dialect, template in (("sqlite", sqlite), ("postgresql", postgresql)):
        def written(element: FunctionElement[Any], compiler: SQLCompiler, template: str = template, **kw: Any) -> str:
            return template.format(*(compiler.process(clause, **kw) for clause in element.clauses))
        compiles(function, dialect)(written)
    return function


# Whole days from the first date to the second (PostgreSQL: date - date is a number of days).
days_between = _sql_function("days_between", Integer(), sqlite="CAST(julianday({1}) - julianday({0}) AS INTEGER)",
                             postgresql="({1} - {0})")
# 1 January of a period's first year (`calendar.period_start`), from a plan's `period` (SQLite's dates are ISO text).
period_start = _sql_function("period_start", Date(), sqlite="printf('%04d-01-01', {0})",
                             postgresql="make_date({0}, 1, 1)")
