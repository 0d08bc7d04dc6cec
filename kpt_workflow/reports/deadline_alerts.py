"""Which legal terms call for an alert on a day, and what the alert says.

A term of a plan still in process that nobody has met yet falls due for an alert `working_days`
working days before its day (the Colombian calendar, holidays included: `law.calendar`), and
stays due until its day (`aviso`); once its day has passed unmet, one more (`vencido`). A plan
whose process ended (approved, adopted by decree) calls for none. Pure: the plans' terms come in
counted to their day (`reports.plan_terms`)."""

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from kpt_workflow.base.figures import amount
from kpt_workflow.law import calendar
from kpt_workflow.reports.calendar_feed import SYNTHETIC, alert_day, plan_heading, term_lines
from kpt_workflow.reports.plan_terms import PlanTerms

AVISO, VENCIDO = "aviso", "vencido"
KIND_LABELS = {AVISO: "Próximo a vencer", VENCIDO: "Vencido sin cumplir"}


@dataclass(frozen=True)
class Alert:
    """One term of one plan that calls for an alert on the plans' day: of `kind`, due since `due_on`."""

    terms: PlanTerms
    deadline: Mapping[str, Any]
    kind: str
    due_on: date
    working_days: int

    @property
    def day(self) -> date:
        return date.fromisoformat(self.deadline["date"])

    def subject(self) -> str:
        label, day = self.deadline["label"], calendar.written_date(self.day)
        said = f"vence el {day}" if self.kind == AVISO else f"venció el {day} sin cumplirse"
        return f"{'Aviso' if self.kind == AVISO else 'Vencido'}: «{label}» {said} — {plan_heading(self.terms)}"

    def body(self, synthetic: bool) -> str:
        opening = (f"Este aviso sale {amount(self.working_days, 'día hábil', 'días hábiles')} antes del vencimiento "
                   "(calendario colombiano, con sus festivos)." if self.kind == AVISO else
                   "El término venció sin que se registrara el acto que lo cumple.")
        return "\n".join([opening, "", *term_lines(self.terms, self.deadline), *([SYNTHETIC] if synthetic else [])])

    def as_dict(self) -> dict[str, Any]:
        """The alert as the in-app list and the API show it."""
        plan, d = self.terms.plan, self.deadline
        return {"plan_id": plan.id, "entity_code": plan.entity_code, "entity_name": plan.entity_name,
                "period": plan.period, "deadline": d["code"], "label": d["label"], "date": d["date"],
                "date_text": calendar.written_date(self.day, weekday=True),
                "when": f"{'vence' if self.kind == AVISO else 'venció'} el {calendar.written_date(self.day, weekday=True)}",
                "kind": self.kind,
                "kind_label": KIND_LABELS[self.kind], "due_on": self.due_on.isoformat(),
                "situation": d["situation"], "duty_of": d["duty_of"], "duty_of_label": d["duty_of_label"],
                "basis": d["basis"], "subject": self.subject(),
                "tone": "bad" if self.kind == VENCIDO and d["entity_late"] else "warn"}


def due_alerts(plans: Iterable[PlanTerms], working_days: int) -> list[Alert]:
    """Every alert due on each plan's day, by the term's day, then the plan."""
    found = []
    for terms in plans:
        if terms.terminal:
            continue
        for deadline in terms.dated:
            if deadline["met_on"] is not None:
                continue
            day, warned = date.fromisoformat(deadline["date"]), alert_day(deadline, working_days)
            if terms.day > day:
                found.append(Alert(terms, deadline, VENCIDO, day + timedelta(days=1), working_days))
            elif terms.day >= warned:
                found.append(Alert(terms, deadline, AVISO, warned, working_days))
    return sorted(found, key=lambda a: (a.day, a.terms.plan.id, a.deadline["code"]))
