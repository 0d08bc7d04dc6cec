"""`kpt blobs …`: the document store's hygiene (files no event names, temporary files left by a
failed write); and the documents' pass of `kpt audit verify`."""

import getpass
import sys
from pathlib import Path
from typing import Annotated

import typer

from kpt_workflow.audit import blob_check
from kpt_workflow.audit.blob_check import BlobReport, Garbage, Reference, StoredFile
from kpt_workflow.storage.blobs import BlobStore
from cli.common import JsonOpt, emit, engine
from kpt_workflow.base.config import Settings
from kpt_workflow.base.errors import InvalidInput
from kpt_workflow.base.figures import amount, number
from kpt_workflow.storage.unit_of_work import UnitOfWork

app = typer.Typer(help="Almacén de archivos de los documentos: limpieza.", no_args_is_help=True)


def _survey(blobs: BlobStore) -> tuple[dict[str, list[Reference]], list[StoredFile]]:
    """The store's files, then the events' references (in that order: see blob_check.unreferenced)."""
    listed = list(blob_check.stored_files(blobs))
    with UnitOfWork(engine()) as uow:
        return blob_check.references(uow.connection), listed


def check_documents(blobs: BlobStore, progress: bool) -> BlobReport:
    """Re-hash every blob the events name, with a progress bar on the terminal (none for --json)."""
    named, listed = _survey(blobs)
    if not progress:
        return blob_check.check(blobs, named, listed)
    total = sum(refs[0].size or 0 for refs in named.values())
    with typer.progressbar(length=max(total, 1), label="Documentos", file=sys.stderr) as bar:
        return blob_check.check(blobs, named, listed, bar.update)


def documents_text(report: BlobReport) -> str:
    """The documents' pass in Spanish: a summary, then each problem on its own line."""
    files = "1 archivo" if report.files == 1 else f"{number(report.files)} archivos"
    done = (f"{files} ({_decimals(report.bytes / 1e6)} MB) en {_decimals(report.seconds)} s, "
            f"{number(report.mb_per_s)} MB/s")
    if report.ok:
        return f"Documentos íntegros: {done}; ningún archivo sin referencia."
    return (f"Documentos con PROBLEMAS ({len(report.problems)}): {done}.\n"
            + "\n".join(problem.line() for problem in report.problems))


def _decimals(value: float) -> str:
    """Two decimals, with the comma Colombian documents write (a few KB still show as 0,01 MB)."""
    return f"{value:,.2f}".translate(str.maketrans(",.", ".,"))


def _line(item: Garbage) -> str:
    what = "temporal abandonado" if item.temporary else "sin referencia"
    kept = (" — reciente: se conserva hasta que cumpla un minuto (podría ser una radicación en curso)"
            if item.kept else "")
    return f"  - {item.relative} ({number(item.file.size)} bytes, {what}){kept}"


@app.command("gc")
def gc(borrar: Annotated[bool, typer.Option("--borrar", help="Borra lo listado (sin ella, solo lo lista).")] = False,
       as_json: JsonOpt = False) -> None:
    """Lista los archivos que ningún evento nombra y los temporales de escrituras fallidas; con --borrar, los borra."""
    blobs = BlobStore(Settings().data_dir)
    named, listed = _survey(blobs)
    found = blob_check.garbage(blobs, named, listed)
    removed = blob_check.remove(found) if borrar else []
    size = sum(item.file.size for item in found)
    if not found:
        text = "El almacén no guarda archivos sin referencia ni temporales abandonados."
    else:
        head = (f"Archivos sin referencia o temporales: {len(found)} ({number(size)} bytes):" if not borrar else
                f"Borrados {len(removed)} de {amount(len(found), 'archivo')} sin referencia o temporales "
                f"({number(sum(item.file.size for item in removed))} bytes liberados):")
        tail = "" if borrar else "\nNada se borró: use --borrar para borrarlos."
        text = head + "\n" + "\n".join(map(_line, found)) + tail
    emit({"files": [item.as_dict() for item in found], "bytes": size, "removed": [item.relative for item in removed]},
         as_json, text)


@app.command("restituir")
def restituir(paths: Annotated[list[Path], typer.Argument(help="Copias originales de los archivos radicados.")],
              as_json: JsonOpt = False) -> None:
    """Restituye en el almacén el archivo alterado o ausente de documentos ya radicados, desde una copia original
    (sirve también en planes terminados, que no admiten radicar de nuevo); solo acepta bytes cuya huella nombra un evento."""
    blobs, results, lines = BlobStore(Settings().data_dir), [], []
    for path in paths:
        if not path.is_file():
            raise InvalidInput(f"No se encuentra el archivo '{path}'.", field="path")
        with UnitOfWork(engine(), write=True) as uow:
            stored, refs = blob_check.restore(uow.connection, blobs, path.read_bytes(), f"cli:{getpass.getuser()}")
            uow.commit()
        results.append({"path": str(path), "sha256": stored.sha256, "blob_reparado": stored.written,
                        "documents": len(refs)})
        lines.append(f"{path}: " + ("restituido (estaba " + ("alterado" if stored.found == "altered" else "ausente")
                                    + f"); {'lo nombra 1 documento' if len(refs) == 1 else f'lo nombran {len(refs)} documentos'}." if stored.written
                                    else f"el almacén ya lo tenía íntegro; nada que hacer ({amount(len(refs), 'documento')})."))
    emit(results, as_json, "\n".join(lines))
