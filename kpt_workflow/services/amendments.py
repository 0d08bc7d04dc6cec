"""Use-cases of the legal amendments of terms (DESIGN.md point 1): record one, list them, and load
the shipped fixture (Decreto Legislativo 683 de 2020) at `kpt init`. Only an administrator (or the
local operator) records or reads them; every recorded amendment is a link of its own hash chain
(kpt_workflow.storage.amendment_log)."""

from dataclasses import dataclass
from datetime import date
from pathlib import Path

from sqlalchemy import Connection, select

from kpt_workflow.base.errors import AlreadyExists, InvalidInput
from kpt_workflow.base.yaml_files import read_yaml
from kpt_workflow.law import calendar
from kpt_workflow.law.amendments import SCOPES, Amendment
from kpt_workflow.lifecycle.engine import all_definitions
from kpt_workflow.reference.categories import ALL_CATEGORIES
from kpt_workflow.reference.document_types import load_catalog
from kpt_workflow.services.access import Actor, require_amendment_admin
from kpt_workflow.services.changes import now
from kpt_workflow.services.labels import amendment_text
from kpt_workflow.storage import amendment_log
from kpt_workflow.storage.recorder import ENTITY
from kpt_workflow.storage.unit_of_work import UnitOfWork

FIXTURES_PATH = Path(__file__).parent.parent / "reference" / "catalogs" / "enmiendas.yaml"
TEXT_LIMIT = 200


class InvalidAmendment(InvalidInput):
    """An amendment the use-case refuses: each case has its own stable code."""

    def __init__(self, code: str, message: str, **details: object) -> None:
        super().__init__(message, **details)
        self.code = code


@dataclass(frozen=True)
class AmendmentRequest:
    """What an administrator states (the options of `kpt amendments record`, the API's body)."""

    norma: str
    articulo: str
    fecha_norma: date
    plazo: str
    periodos: tuple[int, ...]
    alcance: str = "todas"
    valores: tuple[str, ...] = ()
    vigente_desde: date | None = None
    nueva_fecha: date | None = None
    desde_acto: str | None = None
    meses: int | None = None
    dias_habiles: int | None = None


def record_amendment(uow: UnitOfWork, actor: Actor, request: AmendmentRequest) -> dict[str, object]:
    """Validate, refuse a duplicate, append to the amendments' chain and commit."""
    recorded = _record(uow.connection, actor, request)
    uow.commit()
    return recorded


def _record(conn: Connection, actor: Actor, request: AmendmentRequest) -> dict[str, object]:
    require_amendment_admin(actor)
    payload = _checked(conn, request)
    if any(_same(a, payload) for a in amendment_log.all_amendments(conn)):
        raise AlreadyExists(f"Ya está registrada esa enmienda ({payload['norm']}, {payload['article']}, plazo "
                            f"«{payload['deadline']}»).", field="norma")
    number = amendment_log.append(conn, payload, actor.username, now())
    return next(_shown(a) for a in amendment_log.all_amendments(conn) if a.number == number)


def list_amendments(uow: UnitOfWork, actor: Actor) -> list[dict[str, object]]:
    require_amendment_admin(actor)
    return [_shown(a) for a in amendment_log.all_amendments(uow.connection)]


def _shown(amendment: Amendment) -> dict[str, object]:
    return {**amendment.as_dict(), "text": amendment_text(amendment)}


def load_fixtures(conn: Connection, actor: Actor, path: Path = FIXTURES_PATH) -> int:
    """Record the shipped amendments not yet recorded (idempotent: `kpt init` runs it every time),
    through the same checks, in the caller's transaction; returns how many it recorded."""
    added = 0
    recorded = amendment_log.all_amendments(conn)
    for entry in _fixture_entries(path):
        request = AmendmentRequest(**{**entry, "fecha_norma": _day(entry["fecha_norma"]),
                                      "vigente_desde": _day(entry.get("vigente_desde")),
                                      "nueva_fecha": _day(entry.get("nueva_fecha")),
                                      "periodos": tuple(entry["periodos"]), "valores": tuple(entry.get("valores", ()))})
        if not any(_same(a, _checked(conn, request)) for a in recorded):
            _record(conn, actor, request)
            added += 1
    return added


def _fixture_entries(path: Path) -> list[dict[str, object]]:
    data = read_yaml(path)
    if not isinstance(data, dict) or not isinstance(data.get("enmiendas"), list):
        raise InvalidInput(f"{path}: se espera una lista 'enmiendas'.", field="enmiendas")
    return data["enmiendas"]


def _day(value: object) -> date | None:
    return None if value is None else value if isinstance(value, date) else date.fromisoformat(str(value))


def _same(amendment: Amendment, payload: dict[str, object]) -> bool:
    """Two records of the same norm's same provision: one is enough."""
    mine = amendment.as_dict()
    return all(mine[k] == payload[k] for k in ("norm", "article", "deadline", "new_date", "from_act", "months",
                                               "working_days", "periods", "scope", "scope_values"))


def _checked(conn: Connection, r: AmendmentRequest) -> dict[str, object]:
    """The amendment's canonical payload, or a refusal naming what is wrong and how to fix it."""
    norm, article = r.norma.strip(), r.articulo.strip()
    if not norm or not article or len(norm) > TEXT_LIMIT or len(article) > TEXT_LIMIT:
        raise InvalidAmendment("enmienda_sin_base", f"La enmienda necesita su base: la norma (--norma) y el artículo "
                               f"(--articulo), de hasta {TEXT_LIMIT} caracteres cada uno.", field="norma")
    codes = {spec.code for d in all_definitions() for spec in d.deadlines}
    if r.plazo not in codes:
        raise InvalidAmendment("enmienda_plazo_desconocido", f"No existe el plazo '{r.plazo}' en las definiciones; "
                               f"use uno de: {', '.join(sorted(codes))}.", field="plazo")
    _check_term(r)
    if not r.periodos:
        raise InvalidAmendment("enmienda_sin_periodo", "Indique al menos un período (--periodo 2020).", field="periodo")
    for period in r.periodos:
        if period < calendar.FIRST_PDT_PERIOD or not calendar.is_period_start_year(period):
            raise InvalidAmendment("enmienda_periodo_invalido", f"El año {period} no inicia un período de "
                                   f"gobierno (2020, 2024, 2028…, desde {calendar.FIRST_PDT_PERIOD}).", field="periodo")
    in_force = r.vigente_desde or r.fecha_norma
    if r.fecha_norma > calendar.today_in_colombia():
        raise InvalidAmendment("enmienda_fecha_futura", f"La fecha de la norma ({r.fecha_norma}) es futura.",
                               field="fecha_norma")
    values = _checked_scope(conn, r.alcance, tuple(dict.fromkeys(v.strip() for v in r.valores if v.strip())))
    return {"norm": norm, "article": article, "norm_date": r.fecha_norma.isoformat(),
            "in_force_from": in_force.isoformat(), "periods": sorted(set(r.periodos)), "scope": r.alcance,
            "scope_values": list(values), "deadline": r.plazo,
            "new_date": r.nueva_fecha.isoformat() if r.nueva_fecha else None, "from_act": r.desde_acto,
            "months": r.meses, "working_days": r.dias_habiles}


def _check_term(r: AmendmentRequest) -> None:
    """Either a new date, or an offset from an act (months or working days, exactly one)."""
    offset = r.desde_acto is not None or r.meses is not None or r.dias_habiles is not None
    if (r.nueva_fecha is not None) == offset:
        raise InvalidAmendment("enmienda_fecha_o_termino", "Indique la nueva fecha (--nueva-fecha) o un término desde "
                               "un acto (--desde-acto con --meses o --dias-habiles), no ambos ni ninguno.",
                               field="nueva_fecha")
    if not offset:
        return
    if r.desde_acto not in load_catalog().codes():
        raise InvalidAmendment("enmienda_acto_desconocido", f"No existe el tipo de documento '{r.desde_acto}' "
                               f"(--desde-acto); vea kpt workflows.", field="desde_acto")
    if (r.meses is None) == (r.dias_habiles is None):
        raise InvalidAmendment("enmienda_fecha_o_termino", "El término desde el acto va en meses (--meses) o en días "
                               "hábiles (--dias-habiles): uno de los dos.", field="meses")
    if not 1 <= (r.meses or r.dias_habiles or 0) <= (48 if r.meses else 365):
        raise InvalidAmendment("enmienda_termino_invalido", "El término va de 1 a 48 meses o de 1 a 365 días hábiles.",
                               field="meses")


def _checked_scope(conn: Connection, scope: str, values: tuple[str, ...]) -> tuple[str, ...]:
    """`todas` takes no values; the others at least one known code each."""
    if scope not in SCOPES:
        raise InvalidAmendment("enmienda_alcance_invalido", f"Alcance desconocido '{scope}'; use uno de: "
                               f"{', '.join(SCOPES)}.", field="alcance")
    if (scope == "todas") != (not values):
        raise InvalidAmendment("enmienda_alcance_invalido", "El alcance 'todas' no lleva valores; 'departamento', "
                               "'categoria' y 'entidades' llevan al menos uno (--departamento, --categoria, "
                               "--entidad).", field="alcance")
    if scope == "categoria":
        known: set[str] = set(ALL_CATEGORIES)
    elif scope == "departamento":
        known = set(conn.execute(select(ENTITY.c.code).where(ENTITY.c.kind == "departamento")).scalars())
    else:
        known = set(conn.execute(select(ENTITY.c.code).where(ENTITY.c.code.in_(values))).scalars())
    unknown = [v for v in values if v not in known]
    if unknown:
        raise InvalidAmendment("enmienda_valor_desconocido", f"No se reconocen como {scope}: {', '.join(unknown)}.",
                               field=scope)
    return values
