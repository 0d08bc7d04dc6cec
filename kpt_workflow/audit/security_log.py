"""The security log: logins, logouts, refusals and account changes. The plans' audit chain is per
plan (kpt_workflow.storage.event_log); these events concern people, so they have a table of their own, whose
rows are only ever inserted, in the transaction of what they record, and never hold a password."""

from datetime import datetime, timezone
from typing import Any

from sqlalchemy import Connection, insert, select


from kpt_workflow.storage.event_encoding import as_utc
from kpt_workflow.storage.tables import SecurityEvent

EVENTS = SecurityEvent.__table__
LABELS = {
    "login_failed": "Ingreso fallido",
    "login_throttled": "Ingreso frenado (demasiados intentos)",
    "login_ok": "Ingreso",
    "logout": "Salida",
    "session_expired": "Sesión vencida",
    "user_deactivated": "Usuario desactivado",
    "token_rotated": "Token de API renovado",
    "calendar_token_created": "Enlace de calendario creado",
    "calendar_token_revoked": "Enlace de calendario revocado",
    "change_forbidden": "Cambio denegado (el rol no puede hacerlo)",
    "documento_alterado": "Descarga negada: archivo alterado en el almacén",
    "documento_ausente": "Descarga negada: archivo ausente del almacén",
    "documento_restituido": "Archivo de documento restituido en el almacén (kpt blobs restituir)",
    "indicadores_importados": "Indicadores territoriales importados (TerriData)",
    "catalogo_mga_importado": "Catálogo de productos MGA reemplazado",
    "catalogo_pnd_importado": "Catálogo de líneas del PND reemplazado",
    "paquete_evidencia": "Paquete de evidencia de un plan entregado (informe, documentos y cadena firmada)",
}
"""Every kind of event, with its Spanish label.

A download refused because its file was altered or is missing, and an evidence bundle handed
out, are recorded here, not as plan events: a plan event bumps the plan's version and takes its
write lock, so any reader (the DNP, a department) could make the planning office's next change fail
with a version conflict by asking for a file, and the plan's facts did not change. The damage itself is found and named with its
plan, type and version by `kpt audit verify`; this log says who met it and when."""


def record(conn: Connection, kind: str, username: str, *, actor: str | None = None,
           client_address: str | None = None, at: datetime | None = None, detail: str | None = None) -> None:
    """Append one event in the caller's transaction. `actor`: who did it, when not `username`
    itself (an administrator, or cli:<system user>); `detail`: what was refused."""
    if kind not in LABELS:
        raise ValueError(f"unknown security event {kind!r}")
    conn.execute(insert(EVENTS).values(occurred_at=at or datetime.now(timezone.utc), kind=kind,
                                       username=username[:64], actor=actor, client_address=client_address,
                                       detail=detail[:500] if detail else None))


def recent(conn: Connection, username: str | None = None, limit: int = 100) -> list[dict[str, Any]]:
    """The newest `limit` events (of `username`, if given), oldest first."""
    query = select(EVENTS).order_by(EVENTS.c.id.desc()).limit(limit)
    if username is not None:
        query = query.where(EVENTS.c.username == username)
    rows = list(conn.execute(query).mappings())
    return [{"id": row["id"], "occurred_at": as_utc(row["occurred_at"]), "kind": row["kind"],
             "username": row["username"], "actor": row["actor"], "client_address": row["client_address"],
             "detail": row["detail"]}
            for row in reversed(rows)]

