"""The calendar feeds: a plan's legal terms, or every plan's of one entity, as iCalendar
(kpt_workflow.reports.calendar_feed). Read fresh on every request from the plan's own records,
so an act filed moves or meets its event at the calendar app's next refresh.

A feed is read by a user (API token or login session) or through its URL's secret
(`feed_tokens.FeedToken`), which stands for its owner on that feed only; either way the plan or
entity must be one its reader may see (otherwise not found)."""

from datetime import date, datetime, timezone

from kpt_workflow.reports.calendar_feed import calendar_feed
from kpt_workflow.reports.plan_terms import many_plan_terms, plan_terms
from kpt_workflow.law import calendar
from kpt_workflow.services.access import Actor, visible_plan
from kpt_workflow.services.feed_tokens import ENTITY_FEED, PLAN_FEED, FeedToken, feed_entity, token_owner
from kpt_workflow.storage.recorder import PLAN
from kpt_workflow.storage.repository import holds_synthetic_demo, plan_record
from kpt_workflow.storage.unit_of_work import UnitOfWork

Reader = Actor | FeedToken
"""Who reads a feed: a user, or the secret of the feed's URL."""


def _actor(uow: UnitOfWork, reader: Reader, feed: str, target: str) -> Actor:
    return token_owner(uow.connection, reader, feed, target) if isinstance(reader, FeedToken) else reader


def plan_calendar(uow: UnitOfWork, reader: Reader, plan_id: str, today: date, *, alert_working_days: int,
                  now: datetime | None = None) -> bytes:
    """One plan's terms counted to `today`, with an alarm `alert_working_days` working days before
    each unmet one."""
    actor = _actor(uow, reader, PLAN_FEED, plan_id)
    plan = visible_plan(actor, plan_record(uow.connection, plan_id))
    terms = plan_terms(uow.connection, plan, today)
    title = f"Plazos legales: {plan.entity_name}, período {calendar.period_years(plan.period)}"
    return calendar_feed(title, [terms], synthetic=holds_synthetic_demo(uow.connection),
                         alert_working_days=alert_working_days, now=now or datetime.now(timezone.utc))


def entity_calendar(uow: UnitOfWork, reader: Reader, entity_code: str, today: date, *, alert_working_days: int,
                    now: datetime | None = None) -> bytes:
    """Every plan of one entity (each period, each workflow), as `plan_calendar`."""
    actor = _actor(uow, reader, ENTITY_FEED, entity_code)
    entity = feed_entity(uow.connection, actor, entity_code)
    plans = many_plan_terms(uow.connection, today, PLAN.c.entity_code == entity["code"])
    return calendar_feed(f"Plazos legales: {entity['name']}", plans, synthetic=holds_synthetic_demo(uow.connection),
                         alert_working_days=alert_working_days, now=now or datetime.now(timezone.utc))
