"""Alerts of legal terms (kpt_workflow.reports.deadline_alerts): the list a signed-in user reads,
and the outbox an SMTP relay drains.

Who is alerted of what: a planning office of every term of its plans (also the terms owed by the
CTP, the environmental authority or the council, whose end opens a step to it); a council of the
terms it owes; the departments, the DNP and the administration, in their lists, of every term
within their scope. The outbox holds the mail of the users who act on a plan (its office and its
council) and have an address; `queue` writes each alert once for each of them, whatever the
number of runs: an SMTP relay reads the rows whose `sent_at` is empty, sends them and sets it.
Nothing here sends mail."""

from datetime import date, datetime, timezone
from typing import Any

from sqlalchemy import Connection, Insert, select

from kpt_workflow.base.roles import ADMIN, CORPORACION, OPERADOR, PLANEACION
from kpt_workflow.reports.deadline_alerts import due_alerts
from kpt_workflow.reports.plan_terms import PlanTerms, TermsCache, chain_key, many_plan_terms
from kpt_workflow.services.access import Actor, require_role
from kpt_workflow.services.feed_tokens import ENTITY_FEED, FEED_PATHS, list_tokens
from kpt_workflow.storage.event_encoding import as_utc
from kpt_workflow.law import calendar
from kpt_workflow.storage.repository import holds_synthetic_demo
from kpt_workflow.storage.tables import AlertOutbox, User
from kpt_workflow.storage.unit_of_work import UnitOfWork

ALERTED_DUTIES: dict[str, tuple[str, ...] | None] = {PLANEACION: None, CORPORACION: ("corporacion",)}
"""Whose terms alert each role that acts on a plan (None: all of them; other roles: all in scope)."""
OUTBOX_KEEPERS = (ADMIN, OPERADOR)
"""Who fills and reads the outbox: the administration, and the local operator (`kpt alerts`)."""
_OUTBOX, _USERS = AlertOutbox.__table__, User.__table__


def _concerns(role: str, duty_of: str) -> bool:
    duties = ALERTED_DUTIES.get(role)
    return duties is None or duty_of in duties


def alerts_for(uow: UnitOfWork, actor: Actor, today: date, working_days: int,
               cache: TermsCache[list[PlanTerms]] | None = None) -> dict[str, Any]:
    """The alerts due on `today` for the plans the actor sees and the terms that concern its role
    (with `cache`, a reader of the whole country's plans shares the last computation)."""
    conn = uow.connection
    if cache is not None and actor.sees_all:
        plans = cache.get(chain_key(conn, today), lambda: many_plan_terms(conn, today))
    else:
        plans = many_plan_terms(conn, today, actor.visible_entities())
    alerts = [a.as_dict() for a in due_alerts(plans, working_days) if _concerns(actor.role, a.deadline["duty_of"])]
    own = actor.entity_code
    return {"today": today.isoformat(), "today_text": calendar.written_date(today), "working_days": working_days,
            "alerts": alerts, "synthetic": holds_synthetic_demo(conn),
            "calendar": {"entity_code": own, "path": FEED_PATHS[ENTITY_FEED].format(own)} if own else None}


def alerts_page(uow: UnitOfWork, actor: Actor, today: date, working_days: int,
                cache: TermsCache[list[PlanTerms]] | None = None) -> dict[str, Any]:
    """What /avisos shows: `alerts_for`, and the user's calendar links (to list and revoke them)."""
    return {**alerts_for(uow, actor, today, working_days, cache), "tokens": list_tokens(uow.connection, actor)}


def queue(uow: UnitOfWork, actor: Actor, today: date, working_days: int) -> dict[str, Any]:
    """Write into the outbox every alert due on `today` for each user it concerns who has a mail
    address, once (a run repeated the same day, or the next, writes none again); commits."""
    require_role(actor, OUTBOX_KEEPERS, "encolar avisos")
    conn = uow.connection
    alerts = due_alerts(many_plan_terms(conn, today), working_days)
    recipients = _recipients(conn)
    synthetic, now = holds_synthetic_demo(conn), datetime.now(timezone.utc)
    queued = already = unaddressed = 0
    for alert in alerts:
        users = [u for u in recipients.get(alert.terms.plan.entity_code, ())
                 if _concerns(u["role"], alert.deadline["duty_of"])]
        unaddressed += not users
        for user in users:
            row = {"recipient": user["username"], "to_address": user["email"], "plan_id": alert.terms.plan.id,
                   "deadline": alert.deadline["code"], "deadline_date": alert.day, "kind": alert.kind,
                   "due_on": alert.due_on, "subject": alert.subject(), "body": alert.body(synthetic),
                   "created_at": now}
            written = conn.execute(_insert_once(conn).values(row)).first() is not None
            queued, already = queued + written, already + (not written)
    uow.commit()
    return {"today": today.isoformat(), "working_days": working_days, "due": len(alerts), "queued": queued,
            "already_queued": already, "without_recipient": unaddressed}


def _recipients(conn: Connection) -> dict[str, list[dict[str, Any]]]:
    """The active users with a mail address who act on their entity's plans, by entity."""
    rows = conn.execute(select(_USERS.c.username, _USERS.c.role, _USERS.c.entity_code, _USERS.c.email)
                        .where(_USERS.c.active, _USERS.c.email.is_not(None), _USERS.c.role.in_(ALERTED_DUTIES))
                        .order_by(_USERS.c.username)).mappings()
    found: dict[str, list[dict[str, Any]]] = {}
    for row in rows:
        found.setdefault(row["entity_code"], []).append(dict(row))
    return found


def _insert_once(conn: Connection) -> Insert:
    """INSERT that writes nothing for a row the outbox already holds (its UNIQUE key), on either
    database, so two runs at once cannot both write one alert, nor fail on it; it returns the id
    of a row written (a row count is not reliable on a pipelined PostgreSQL connection)."""
    if conn.dialect.name == "postgresql":
        from sqlalchemy.dialects.postgresql import insert
    else:
        from sqlalchemy.dialects.sqlite import insert
    return insert(_OUTBOX).on_conflict_do_nothing(
        index_elements=["recipient", "plan_id", "deadline", "deadline_date", "kind"]).returning(_OUTBOX.c.id)


def outbox(uow: UnitOfWork, actor: Actor, *, pending_only: bool = False) -> list[dict[str, Any]]:
    """The outbox's rows, oldest first (`pending_only`: those not sent yet)."""
    require_role(actor, OUTBOX_KEEPERS, "leer la bandeja de salida de los avisos")
    query = select(_OUTBOX).order_by(_OUTBOX.c.id)
    if pending_only:
        query = query.where(_OUTBOX.c.sent_at.is_(None))
    return [_row(r) for r in uow.connection.execute(query).mappings()]


def _row(row: Any) -> dict[str, Any]:
    created, sent = as_utc(row["created_at"]), as_utc(row["sent_at"]) if row["sent_at"] else None
    return {**{k: row[k] for k in ("id", "recipient", "to_address", "plan_id", "deadline", "kind", "subject", "body")},
            "deadline_date": row["deadline_date"].isoformat(), "due_on": row["due_on"].isoformat(),
            "created_at": created.isoformat(), "created": calendar.colombia_time(created),
            "sent_at": sent.isoformat() if sent else None}
