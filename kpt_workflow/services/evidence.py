"""A plan's evidence bundle for its council (`kpt plan bundle`, the download on the completeness
report): one ZIP with the report's PDF, every filed file, the plan's events in the stretch of the
chain that links them to the latest signed checkpoint, that checkpoint with its public key, and a
stand-alone verifier (kpt_workflow/audit/verificar_paquete.py) that proves all of it offline.

It is read in one read transaction (on the server, the database's reading lane: a bundle never
holds up the steps) and its handing out is then recorded in the security log, as a refused
download is (why not as a plan event: kpt_workflow/audit/security_log.py).
"""

import json
import re
import shutil
import zipfile
from contextlib import ExitStack
from dataclasses import asdict, dataclass
from datetime import date, datetime, timezone
from importlib import resources
from pathlib import PurePosixPath
from typing import Any, BinaryIO

from sqlalchemy import Engine

from kpt_workflow.audit import blob_check, security_log
from kpt_workflow.audit.checkpoints import bogota, latest_checkpoint
from kpt_workflow.audit.evidence import Stretch, stretch
from kpt_workflow.base.canonical import canonical_json
from kpt_workflow.base.figures import amount, number
from kpt_workflow.services import views
from kpt_workflow.lifecycle.engine import workflow
from kpt_workflow.reference.document_types import document_label
from kpt_workflow.services.access import Actor, require_bundle_reader
from kpt_workflow.services.labels import history_entry
from kpt_workflow.storage import event_log
from kpt_workflow.storage.blobs import BlobStore
from kpt_workflow.storage.repository import plan_record
from kpt_workflow.storage.unit_of_work import UnitOfWork

VERIFIER = "verificar_paquete.py"
_UNSAFE = re.compile(r"[^A-Za-z0-9]+")


@dataclass(frozen=True)
class BundleSummary:
    """What a bundle holds, for the command's output and the security log."""

    plan_id: str
    first_seq: int
    last_seq: int
    plan_events: int
    documents: int
    checkpoint_size: int | None
    checkpoint_time: str | None
    unsigned_events: int

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)

    def describe(self) -> str:
        """In Spanish, as the command line and the log say it."""
        signed = ("sin punto de control firmado: ejecute `kpt audit checkpoint`" if self.checkpoint_time is None
                  else f"punto de control del {bogota(self.checkpoint_time)}, "
                       + ("que cubre todos los eventos del plan" if not self.unsigned_events else
                          f"posterior a él: {amount(self.unsigned_events, 'evento')} del plan sin firma todavía"))
        return (f"plan {self.plan_id}: informe, {amount(self.documents, 'documento')}, "
                f"{amount(self.plan_events, 'evento')} del plan en la cadena del n.º {number(self.first_seq)} al "
                f"{number(self.last_seq)}; {signed}")


@dataclass(frozen=True)
class _Filed:
    """A file the plan's events say was filed: the event, its payload, and its name in the bundle."""

    seq: int
    payload: dict[str, Any]

    @property
    def member(self) -> str:
        suffix = PurePosixPath(self.payload.get("filename") or "").suffix.lower()
        safe = "." + _UNSAFE.sub("", suffix) if _UNSAFE.sub("", suffix) else ""
        return f"documentos/{self.payload['doc_type']}-v{self.payload['version']}{safe[:8]}"


def write_evidence_bundle(engine: Engine, blobs: BlobStore, actor: Actor, plan_id: str, today: date,
                          target: BinaryIO, client_address: str | None = None) -> BundleSummary:
    """Write the bundle of `plan_id` to `target` for `actor` (the entity's planning office or council,
    or the DNP: to anyone else the plan is not found), with the report as of `today`. A filed file
    altered or missing in the store is refused, as its download would be, before anything is written."""
    try:
        with UnitOfWork(engine) as uow:
            plan = require_bundle_reader(actor, plan_record(uow.connection, plan_id))
            report = views.council_report(uow, actor, plan.id, today)
            checkpoint = latest_checkpoint(uow.connection)
            signed = checkpoint["size"] if checkpoint else 0
            span = stretch(uow.connection, plan.id, signed)
            events = event_log.plan_events(uow.connection, plan.id)
            filed = [_Filed(e["seq"], payload) for e in events if e["event_type"] == "document_filed"
                     for payload in [json.loads(e["payload"])] if payload.get("sha256")]
            with ExitStack() as handles:
                opened = [(item, handles.enter_context(blob_check.open_verified(
                    blobs, item.payload["sha256"], item.payload["size"],
                    f"«{document_label(item.payload['doc_type'], plan.entity_kind)}» versión {item.payload['version']} "
                    f"del plan {plan.id}")))
                    for item in filed]
                summary = BundleSummary(plan.id, span.first, span.last, len(events), len(filed),
                                        checkpoint and checkpoint["size"], checkpoint and checkpoint["time"],
                                        sum(1 for e in events if e["seq"] > signed))
                flow = workflow(plan.definition_name, plan.definition_version)
                said = {str(e["seq"]): history_entry(event_log.event_view(e), flow, plan.entity_kind, {})["text"]
                        for e in events}
                _write(target, uow, span, report, checkpoint, opened, summary, actor, said)
    except (blob_check.DocumentAltered, blob_check.DocumentMissing) as refused:
        _log(engine, refused.code, actor, client_address, f"paquete de evidencia del plan {plan_id}: {refused.message}"
             f" (sha256 {refused.details.get('sha256')})")
        raise
    _log(engine, "paquete_evidencia", actor, client_address, summary.describe())
    return summary


def _log(engine: Engine, kind: str, actor: Actor, client_address: str | None, detail: str) -> None:
    with UnitOfWork(engine, write=True) as uow:
        security_log.record(uow.connection, kind, actor.username, client_address=client_address, detail=detail)
        uow.commit()


def _write(target: BinaryIO, uow: UnitOfWork, span: Stretch, report: dict[str, Any], checkpoint: dict[str, Any] | None,
           opened: list[tuple[_Filed, BinaryIO]], summary: BundleSummary, actor: Actor, said: dict[str, str]) -> None:
    """`said`: each plan event's sentence in its history, by seq (the verifier names events with it)."""
    plan = report["plan"]
    manifest = {
        "formato": "kpt-paquete-evidencia/1", "armado": datetime.now(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ"),
        "armado_por": actor.username, "corte_del_informe": report["today"], "datos_sinteticos": report["synthetic"],
        "plan": {"id": plan["id"], "entidad": plan["entity"]["name"], "codigo": plan["entity"]["code"],
                 "periodo": plan["period"]},
        "cadena": {"archivo": "cadena.jsonl", "desde": span.first, "hasta": span.last,
                   "eventos_del_plan": summary.plan_events},
        "punto_de_control": None if checkpoint is None else {"archivo": "punto_de_control.json",
                                                              "eventos": checkpoint["size"], "firmado": checkpoint["time"]},
        "eventos": said,
        "documentos": [{"archivo": item.member, "evento": item.seq, "tipo": item.payload["doc_type"],
                        "nombre": document_label(item.payload["doc_type"], plan["entity"]["kind"]),
                        "version": item.payload["version"], "nombre_original": item.payload.get("filename"),
                        "sha256": item.payload["sha256"], "bytes": item.payload["size"]} for item, _ in opened],
        "informe": "informe.pdf", "verificador": VERIFIER,
    }
    from kpt_workflow.reports.completeness_pdf import completeness_pdf  # here: fpdf2 takes 0.2 s to load

    with zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED) as bundle:
        bundle.writestr("LEAME.txt", _readme(summary, plan, report["synthetic"]))
        bundle.writestr("paquete.json", json.dumps(manifest, ensure_ascii=False, indent=2))
        bundle.writestr(VERIFIER, resources.files("kpt_workflow.audit").joinpath(VERIFIER).read_bytes())
        bundle.writestr("informe.pdf", completeness_pdf(report, synthetic=report["synthetic"]))
        if checkpoint is not None:
            bundle.writestr("punto_de_control.json", canonical_json(checkpoint))
        with bundle.open("cadena.jsonl", "w") as chain:
            for line in span.lines(uow.connection):
                chain.write(line)
        for item, handle in opened:
            with bundle.open(item.member, "w") as member:
                shutil.copyfileobj(handle, member, 1024 * 1024)


def _readme(summary: BundleSummary, plan: dict[str, Any], synthetic: bool) -> str:
    banner = ("\nDatos SINTÉTICOS de demostración: ningún documento, fecha, número ni valor corresponde a una entidad "
              "real.\n" if synthetic else "")
    return f"""Paquete de evidencia del plan {plan['id']} ({plan['entity']['name']}, período {plan['period']})
{banner}
Contenido: {summary.describe()}.

  informe.pdf            el informe de completitud para la corporación, hecho al armar el paquete
  documentos/            cada archivo radicado, con el nombre que le da paquete.json
  cadena.jsonl           un evento por línea: los del plan y los demás de la cadena entre ellos y la
                         cabeza firmada (cada enlace se calcula con el evento completo anterior)
  punto_de_control.json  la cabeza de la cadena firmada con Ed25519, con su llave pública
  paquete.json           qué archivo viene de qué evento (nadie lo firma: el verificador no le cree
                         las huellas, las toma de los eventos)
  {VERIFIER}   el verificador

Para verificarlo sin conexión (Python 3 y el paquete `cryptography`):

  python {VERIFIER} paquete.zip
  python {VERIFIER} paquete.zip --llave-publica kpt-checkpoint.pub   # con la llave que usted obtuvo

Comprueba que ningún evento ni documento fue editado, que los eventos están en la cadena y que la
cadena llega a la cabeza que firma el punto de control. Compare el identificador de la llave que
imprime con el de la llave que publica quien firma los puntos de control: la llave incluida solo
prueba que el paquete no cambió después de firmarse con ella. El verificador es el mismo que trae
kpt-workflow (kpt_workflow/audit/{VERIFIER}); use esa copia si desconfía de quien le entregó el paquete.
Los eventos de otros planes que aparecen en cadena.jsonl están ahí porque sin ellos no se pueden
recalcular los enlaces.
"""
