"""What a bottleneck report covers (`ReportFilters`), and the shape its statements are built for.

Every report is "as of" a legal date: only events and documents whose legal date is on or before
`as_of` count, so a report of a past day shows what the record said of that day.
"""

from dataclasses import dataclass, field
from datetime import date

from sqlalchemy import Date, bindparam

from kpt_workflow.base.errors import InvalidInput
from kpt_workflow.law import calendar
from kpt_workflow.law.bounds import PERIODS
from kpt_workflow.lifecycle.engine import chosen_workflow, default_workflow
from kpt_workflow.reference.categories import ALL_CATEGORIES


def _default_workflow_name() -> str:
    return default_workflow().definition.name


@dataclass(frozen=True)
class ReportFilters:
    """`department_code`: a department's two digits (its own plan and its municipalities' plans);
    `category`: the entity's category of its latest year on record; `as_of`: the legal "today";
    `workflow`: whose plans are counted (the default workflow's, the PDT, unless named): another
    workflow's plans are never counted as PDTs, nor its states mixed with theirs; `period`: the
    start year of the cycle whose plans are counted (`cycle`): cycles are never mixed."""

    department_code: str | None = None
    category: str | None = None
    as_of: date = field(default_factory=calendar.today_in_colombia)
    workflow: str = field(default_factory=_default_workflow_name)
    period: int | None = None

    def __post_init__(self) -> None:
        chosen_workflow(self.workflow)  # an unknown name is refused, naming the workflows that exist
        if self.period is not None and not (PERIODS.low <= self.period <= PERIODS.high
                                            and calendar.is_period_start_year(self.period)):
            raise InvalidInput(f"Período {self.period} inválido: use el año en que inicia un período de gobierno "
                               f"(2020, 2024, 2028…).", field="periodo")
        code = self.department_code
        if code is not None and (len(code) != 2 or not code.isdigit()):
            raise InvalidInput(f"Código de departamento '{code}' inválido: use sus dos dígitos DIVIPOLA (p. ej. 05).",
                               field="departamento")
        if self.category is not None and self.category not in ALL_CATEGORIES:
            raise InvalidInput(f"Categoría '{self.category}' inválida: use una de {', '.join(ALL_CATEGORIES)}.",
                               field="categoria")

    @property
    def cycle(self) -> int:
        """The period asked for; without one, the cycle of `as_of` (calendar.cycle_on)."""
        return self.period if self.period is not None else calendar.cycle_on(self.as_of)

    def as_dict(self) -> dict[str, object]:
        return {"department_code": self.department_code, "category": self.category, "as_of": self.as_of.isoformat(),
                "workflow": self.workflow, "period": self.cycle}


@dataclass(frozen=True)
class Shape:
    """Which filters a report applies. Its statements are built once per shape and kept (building
    and compiling them costs about as much as running the small ones); `as_of`, the department,
    the category and the workflow are bound when they run (`params`). The workflow is part of
    the shape too: its definitions' deadlines are written into the statements."""

    department: bool
    category: bool
    workflow: str


def shape(filters: ReportFilters) -> Shape:
    return Shape(department=filters.department_code is not None, category=filters.category is not None,
                 workflow=filters.workflow)


def params(filters: ReportFilters) -> dict[str, object]:
    """The values bound into a shape's statements."""
    return {"as_of": filters.as_of, "department_code": filters.department_code, "category": filters.category,
            "workflow": filters.workflow, "period": filters.cycle}


AS_OF = bindparam("as_of", type_=Date())
