"""`kpt backup` and `kpt restore`: the office's copy of its database and documents, and its way back."""

from dataclasses import asdict
from pathlib import Path
from typing import Annotated

import typer

from kpt_workflow.services.backup import backup as take_backup
from kpt_workflow.audit.checkpoints import bogota
from cli.common import JsonOpt, emit
from kpt_workflow.base.config import Settings
from kpt_workflow.base.figures import amount, number
from kpt_workflow.services.manifest import Manifest
from kpt_workflow.services.restore import restore as restore_backup


def _count(value: int, one: str, many: str | None = None) -> str:
    return f"{number(value)} {one if value == 1 else many or one + 's'}"


def _summary(manifest: Manifest) -> str:
    head = f"cabeza seq {number(manifest.chain_size)}, hash {manifest.head_hash}" if manifest.head_hash else "sin eventos"
    return (f"{_count(manifest.chain_size, 'evento')} ({head}); {_count(manifest.plans, 'plan', 'planes')}; esquema "
            f"{manifest.schema_revision}; {_count(manifest.blobs.count, 'documento')} "
            f"({number(manifest.blobs.total_bytes)} bytes, hash total {manifest.blobs.total_hash})")


def backup(destino: Annotated[Path, typer.Argument(help="Carpeta nueva para el respaldo (no debe existir).")],
           as_json: JsonOpt = False) -> None:
    """Respalda en caliente la base (KPT_DATABASE_URL) y los documentos (KPT_DATA_DIR), con un manifiesto."""
    manifest = take_backup(Settings(), destino)
    text = f"Respaldo en {destino}, del {bogota(manifest.created_at)}: {_summary(manifest)}."
    if manifest.damaged_blobs:
        text += (f"\nATENCIÓN: {amount(len(manifest.damaged_blobs), 'documento alterado', 'documentos alterados')} en la carpeta de datos no se "
                 "copiaron: " + ", ".join(manifest.damaged_blobs) + ". Vea kpt audit verify.")
    emit({**asdict(manifest), "destination": str(destino)}, as_json, text)
    if manifest.damaged_blobs:
        raise typer.Exit(1)


def restore(origen: Annotated[Path, typer.Argument(help="Carpeta de un respaldo de kpt backup.")],
            as_json: JsonOpt = False) -> None:
    """Restaura un respaldo en la base y la carpeta de datos que nombran KPT_DATABASE_URL y KPT_DATA_DIR (vacías),
    y lo verifica: cadena, documentos y manifiesto."""
    report = restore_backup(Settings(), origen)
    manifest = report.manifest
    text = f"Restaurado el respaldo {origen}, del {bogota(manifest.created_at)}: {_summary(manifest)}.\n"
    text += ("Verificado: la cadena está íntegra y termina donde dice el manifiesto; cada documento corresponde a su "
             "hash. Los puntos de control firmados después del respaldo ya no se pueden extender: regístrelo con "
             "kpt audit rebaseline." if report.ok
             else "La verificación FALLA:\n" + "\n".join(f"  - {p}" for p in report.problems))
    emit({"ok": report.ok, "problems": report.problems, "events": report.events, "head_hash": report.head_hash,
          "plans": report.plans, "schema_revision": report.schema_revision, "blobs": asdict(report.blobs),
          "manifest": asdict(manifest)}, as_json, text)
    if not report.ok:
        raise typer.Exit(1)
