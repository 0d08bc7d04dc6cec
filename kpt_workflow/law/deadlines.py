"""Legal deadlines of a plan, computed from the definition's data and the plan's documents.

One computation serves the status view and the rules (through `DeadlineFact`), so a deadline
shown to a planning office is the one a guard applies.
"""

from collections.abc import Mapping
from dataclasses import dataclass, replace
from datetime import date
from functools import cached_property, lru_cache

from kpt_workflow.base.words import DUTY_HOLDERS
from kpt_workflow.law import calendar
from kpt_workflow.law.amendments import Amendment
from kpt_workflow.law.facts import FILED, DeadlineFact, DocumentFact
from kpt_workflow.states.schema import PERIOD_START, DeadlineSpec, TermSpec
from kpt_workflow.base.figures import amount


@dataclass(frozen=True)
class Reading:
    """One legal reading of a term: its last day and how it was counted."""

    day: date
    how: str


@dataclass(frozen=True)
class Deadline:
    spec: DeadlineSpec
    readings: tuple[Reading, ...]
    met_on: date | None
    amendment: Amendment | None = None
    """The legal amendment whose term replaced the definition's, if any (its basis is shown)."""

    @property
    def basis(self) -> str:
        """The basis of the term applied: the amendment's norm and article, then the definition's."""
        if self.amendment is None:
            return self.spec.basis
        return f"{self.amendment.basis} (modifica: {self.spec.basis})"

    @cached_property
    def fact(self) -> DeadlineFact:
        days = [r.day for r in self.readings]
        return DeadlineFact(self.spec.code, min(days, default=None), max(days, default=None), self.met_on,
                            self.amendment.basis if self.amendment is not None else None)

    @cached_property
    def chosen(self) -> Reading | None:
        """`aviso`: the earliest reading (nobody is late by surprise); `permiso`: the latest."""
        if not self.readings:
            return None
        pick = min if self.spec.use == "aviso" else max
        return pick(self.readings, key=lambda r: r.day)

    def is_late(self, today: date, acted_on: date | None = None) -> bool:
        """Met after its day, or still unmet past it; `acted_on` judges an act not yet recorded."""
        chosen = self.chosen
        met_on = acted_on or self.met_on
        if chosen is None:
            return False
        return met_on > chosen.day if met_on is not None else today > chosen.day

    def days_late(self, today: date) -> int | None:
        """Days past its day, counted from the legal dates: to the act that met it late, or to
        `today` while unmet; None while not late."""
        if self.chosen is None or not self.is_late(today):
            return None
        return ((self.met_on or today) - self.chosen.day).days

    @property
    def entity_duty(self) -> bool:
        """Whether the entity itself must act within the term (its lateness is the plan's)."""
        return self.spec.duty_of == "entidad"

    def as_status(self, today: date, anchor_label: str) -> dict[str, object]:
        """`anchor_label`: what the act the term runs from is called, for a term that has not begun."""
        chosen = self.chosen
        day = chosen.day if chosen else None
        return {
            "code": self.spec.code, "label": self.spec.label, "basis": self.basis,
            "amendment": self.amendment.as_dict() if self.amendment else None,
            "date": day.isoformat() if day else None,
            "days_left": (day - today).days if day and self.met_on is None else None,
            "late": self.is_late(today), "days_late": self.days_late(today),
            "duty_of": self.spec.duty_of, "duty_of_label": DUTY_HOLDERS[self.spec.duty_of].label,
            "entity_late": self.entity_duty and self.is_late(today),
            "use": self.spec.use, "anchor": self.spec.anchor, "met_by": self.spec.met_by,
            "met_on": self.met_on.isoformat() if self.met_on else None,
            "situation": self.situation(today), "reading": self._reading_text(anchor_label),
            "readings": [{"date": r.day.isoformat(), "how": r.how} for r in self.readings],
        }

    def situation(self, today: date) -> str:
        """Where the term stands on `today`, in a sentence every face shows as it is."""
        chosen = self.chosen
        if chosen is None:
            return "aún no corre"
        late = self.days_late(today)
        whose = "" if self.entity_duty else f": término a cargo {DUTY_HOLDERS[self.spec.duty_of].of}, no de la entidad"
        if self.met_on is not None:
            return (f"cumplido el {calendar.written_date(self.met_on)}, "
                    + (f"{amount(late, 'día')} tarde{whose}" if late else "a tiempo"))
        if late is None:
            left = (chosen.day - today).days
            return "vence hoy" if left == 0 else f"{'falta' if left == 1 else 'faltan'} {amount(left, 'día')}"
        return f"vencido hace {amount(late, 'día')}{whose}"

    def late_entry(self, acted_on: date) -> dict[str, object]:
        """How late an act of `acted_on` is against this deadline (for the event that records it)."""
        assert self.chosen is not None
        return {"deadline": self.spec.code, "date": self.chosen.day.isoformat(),
                "days_late": (acted_on - self.chosen.day).days, "basis": self.basis}

    def _reading_text(self, anchor_label: str) -> str:
        chosen = self.chosen
        if chosen is None:
            return f"Aún no corre: empieza con la fecha legal de «{anchor_label}»."
        if len({r.day for r in self.readings}) == 1:
            return chosen.how
        rule = "la más temprana (aviso de un deber propio)" if self.spec.use == "aviso" else \
            "la más tardía (el paso que abre no puede adelantarse)"
        others = "; ".join(f"{r.how}: {calendar.written_date(r.day)}" for r in self.readings if r is not chosen)
        return f"{chosen.how}. Se toma {rule}; otras lecturas: {others}."


_EXTENDED = "prorrogado al siguiente día hábil si cae en sábado, domingo o festivo (Ley 4 de 1913, art. 62)"


def readings(term: TermSpec, anchor_day: date) -> list[Reading]:
    """Each legal reading of one term running from `anchor_day`."""
    if term.months_of_period is not None:
        return [Reading(calendar.end_of_month_n(anchor_day, term.months_of_period),
                        f"último día del mes {term.months_of_period} del período, {_EXTENDED}")]
    if term.working_days is not None:
        return [Reading(calendar.add_working_days(anchor_day, term.working_days),
                        f"{amount(term.working_days, 'día hábil', 'días hábiles')} desde el acto")]
    months = term.months
    assert months is not None  # the schema guarantees exactly one unit
    both = calendar.month_term(anchor_day, months)
    return [
        Reading(both.same_number, f"{months} mes(es) con el mismo número de día (Ley 4 de 1913, arts. 59–62), {_EXTENDED}"),
        Reading(both.from_next_day, f"{months} mes(es) contados desde el día siguiente al acto "
                                    f"(Consejo de Estado, Fallo 3882 de 1999), {_EXTENDED}"),
    ]


def compute(specs: tuple[DeadlineSpec, ...], period: int, documents: Mapping[str, DocumentFact],
            amendments: tuple[Amendment, ...] = ()) -> list[Deadline]:
    """Every deadline of the definition; one whose anchor act is missing has no readings yet.
    `amendments`: those that reach the plan and are in force on the day judged; the term of an
    amendment replaces the definition's (`_amended`)."""
    result = []
    for spec in specs:
        anchor_day = calendar.period_start(period) if spec.anchor == PERIOD_START else _filed_on(documents, spec.anchor)
        result.append(_amended(_deadline(spec, anchor_day, _met_on(spec, anchor_day, documents)), amendments, documents))
    return result


def _amended(deadline: Deadline, amendments: tuple[Amendment, ...], documents: Mapping[str, DocumentFact]) -> Deadline:
    """The deadline under the last recorded amendment of its code that gives it a day: a fixed
    date always does; an offset only once its act was filed under the amendment (on or after the
    day it is in force), and it then replaces an earlier fixed date (a draft re-filed under the
    norm gets its own term)."""
    for amendment in reversed(amendments):
        if amendment.deadline != deadline.spec.code:
            continue
        found = amended_readings(amendment, documents)
        if found:
            return replace(deadline, readings=found, amendment=amendment)
    return deadline


def amended_readings(amendment: Amendment, documents: Mapping[str, DocumentFact]) -> tuple[Reading, ...]:
    """The readings of an amendment's term: a fixed date as written and, when that day is a
    Saturday, Sunday or holiday, carried to the next working day (Ley 4 de 1913, art. 62, as for
    any term: both readings are kept, and the deadline's `use` picks one); an offset counted from
    the act with the readings of its unit. None while it gives no day."""
    by = f"({amendment.norm.split(' (')[0]})"  # the norm's name; its article is in the deadline's basis
    if amendment.new_date is not None:
        written = amendment.new_date
        moved = calendar.next_working_day(written)
        found = [Reading(written, f"fecha fijada por la norma, tal como está escrita {by}")]
        if moved != written:
            found.append(Reading(moved, f"fecha fijada por la norma, {_EXTENDED} {by}"))
        return tuple(found)
    assert amendment.from_act is not None  # the use-case guarantees a date or an offset
    act = documents.get(amendment.from_act)
    if act is None or act.status != FILED or act.legal_date is None or not amendment.in_force(act.legal_date):
        return ()
    term = TermSpec(months=amendment.months, working_days=amendment.working_days)
    return tuple(Reading(r.day, f"{r.how}, desde el acto radicado en vigencia de la norma {by}")
                 for r in readings(term, act.legal_date))


def _met_on(spec: DeadlineSpec, anchor_day: date | None, documents: Mapping[str, DocumentFact]) -> date | None:
    """The legal date the term was met: the earliest act of `met_by` filed now, by its first
    filing. A term that runs from an act is met only by an act dated on or after it: after a
    return and a new filing, the act of the earlier round (its return) does not meet the new
    month; the new round's act does (its first filing if on or after the new anchor, else its
    current one)."""
    days = []
    for code in spec.met_by_codes:
        met = documents.get(code)
        if met is None or met.status != FILED:
            continue
        if spec.anchor == PERIOD_START:
            days.append(met.first_filed_on)
        elif anchor_day is not None:
            days.append(next((day for day in (met.first_filed_on, met.legal_date)
                              if day is not None and day >= anchor_day), None))
    return min((day for day in days if day is not None), default=None)


@lru_cache(maxsize=65536)
def _deadline(spec: DeadlineSpec, anchor_day: date | None, met_on: date | None) -> Deadline:
    """Pure and asked for on every step and status, mostly with the same dates: cached (holiday
    look-ups are the costly part; a `Deadline` is immutable, so sharing one is safe)."""
    found = () if anchor_day is None else tuple(r for term in spec.terms for r in readings(term, anchor_day))
    return Deadline(spec, found, met_on)


def _filed_on(documents: Mapping[str, DocumentFact], doc_type: str) -> date | None:
    """The legal date a term runs from: the current filing (a new filing restarts the term)."""
    document = documents.get(doc_type)
    return document.legal_date if document is not None and document.status == FILED else None
