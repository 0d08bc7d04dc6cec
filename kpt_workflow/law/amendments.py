"""Legal amendments of terms for plans in flight (DESIGN.md point 1; DOMAIN.md, "Terms can be
changed for plans in flight"): a norm that moves one deadline of the plans of some periods and
entities, from the day it is in force. A plan keeps its definition; the amendment is an input of
its deadlines (kpt_workflow.law.deadlines.compute), never an edit of the definition."""

from dataclasses import dataclass
from datetime import date

from kpt_workflow.base.figures import amount
from kpt_workflow.law import calendar

SCOPE_TEXT = {"todas": "todas las entidades", "departamento": "las entidades de los departamentos",
              "categoria": "las entidades de las categorías", "entidades": "las entidades"}
"""Which entities an amendment reaches (all, those of some departments, of some categories, or a
list), as its sentence says it."""
SCOPES = tuple(SCOPE_TEXT)


@dataclass(frozen=True)
class Amendment:
    """One recorded amendment. `new_date`: the term's new last day, as the norm writes it; or an
    offset: `months` or `working_days` from the legal date of `from_act` (a filing made under the
    norm, on or after `in_force_from`)."""

    number: int
    norm: str
    article: str
    norm_date: date
    in_force_from: date
    periods: tuple[int, ...]
    scope: str
    scope_values: tuple[str, ...]
    deadline: str
    new_date: date | None = None
    from_act: str | None = None
    months: int | None = None
    working_days: int | None = None

    @property
    def basis(self) -> str:
        return f"{self.norm}, {self.article}"

    def reaches(self, period: int, entity_code: str, department_code: str, category: str | None) -> bool:
        """Whether the amendment applies to a plan of `period` of this entity (whatever the day)."""
        if period not in self.periods:
            return False
        if self.scope == "departamento":
            return department_code in self.scope_values
        if self.scope == "categoria":
            return category is not None and category in self.scope_values
        if self.scope == "entidades":
            return entity_code in self.scope_values
        return True

    def in_force(self, day: date) -> bool:
        """Before the day it is in force, the plan's own term applies (time travel, replay, a
        step dated earlier)."""
        return self.in_force_from <= day

    def as_dict(self) -> dict[str, object]:
        return {"number": self.number, "norm": self.norm, "article": self.article, "basis": self.basis,
                "norm_date": self.norm_date.isoformat(), "in_force_from": self.in_force_from.isoformat(),
                "periods": list(self.periods), "scope": self.scope, "scope_values": list(self.scope_values),
                "deadline": self.deadline, "new_date": self.new_date.isoformat() if self.new_date else None,
                "from_act": self.from_act, "months": self.months, "working_days": self.working_days}

    def description(self, deadline_label: str, act_label: str | None) -> str:
        """The amendment in one Spanish sentence (the plan's history, the list), with the labels
        of its deadline and of the act its term runs from (the caller knows the catalogs)."""
        if self.new_date is not None:
            term = f"vence el {self.new_date.isoformat()}"
        else:
            unit = (amount(self.months, "mes", "meses") if self.months is not None
                    else amount(self.working_days or 0, "día hábil", "días hábiles"))
            term = f"corre {unit} desde «{act_label}», si se radica en su vigencia"
        periods = ", ".join(calendar.period_years(p) for p in self.periods)
        return (f"{self.basis}: el plazo «{deadline_label}» {term}; rige desde el {self.in_force_from.isoformat()} "
                f"para {SCOPE_TEXT[self.scope]}{': ' + ', '.join(self.scope_values) if self.scope_values else ''}"
                f" (período {periods})")


def in_force_on(amendments: tuple[Amendment, ...], day: date) -> tuple[Amendment, ...]:
    """Those of `amendments` in force on `day`, in the order they were recorded."""
    return tuple(a for a in amendments if a.in_force(day))
