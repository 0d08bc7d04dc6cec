"""Faults in the document store, as an operator meets them through the `kpt` command (a process of
its own, on SQLite and PostgreSQL): a blob altered, deleted, or half-written by a process killed
mid-write. Each is named in Spanish with a non-zero exit and no traceback, nothing acknowledged
is lost, and the documented repair brings `kpt audit verify` back to a pass."""

import os
import subprocess
import sys
import time
from pathlib import Path

import pytest
from sqlalchemy import Engine, func, select

from kpt_workflow.audit.verify import verify
from kpt_workflow.storage.blobs import BlobStore
from kpt_workflow.storage.recorder import DOCUMENT
from kpt_workflow.services.sample import PDF
from kpt_workflow.storage.unit_of_work import UnitOfWork

DOC_TYPES = ("formato_empalme_01", "formato_empalme_02")
KPT = Path(sys.executable).with_name("kpt")


@pytest.fixture
def kpt(engine: Engine, blobs: BlobStore):  # type: ignore[no-untyped-def]
    env = {**os.environ, "KPT_DATABASE_URL": engine.url.render_as_string(hide_password=False),
           "KPT_DATA_DIR": str(blobs.root)}

    def run(*args: str) -> subprocess.CompletedProcess[str]:
        done = subprocess.run([str(KPT), *args], env=env, capture_output=True, text=True, timeout=120)
        assert "Traceback" not in done.stdout + done.stderr
        return done

    return run


@pytest.fixture
def filed(new_plan, file_doc) -> tuple[str, str]:  # type: ignore[no-untyped-def]
    plan_id = new_plan("05001")
    shas = {file_doc(plan_id, doc_type)["sha256"] for doc_type in DOC_TYPES}
    return plan_id, str(shas.pop())


def _acknowledged(engine: Engine) -> tuple[int, bool]:
    with UnitOfWork(engine) as uow:
        return (uow.connection.execute(select(func.count()).select_from(DOCUMENT)).scalar_one(),
                verify(uow.connection).ok)


def test_an_altered_blob_is_named_and_refiling_it_repairs_it(kpt, filed, blobs, engine, tmp_path):
    plan_id, sha = filed
    path = blobs.path_for(sha)
    path.write_bytes(path.read_bytes().replace(b"%%EOF", b"%%EOX"))
    found = kpt("audit", "verify")
    assert found.returncode == 1
    assert "Cadena íntegra" in found.stdout and "Documentos con PROBLEMAS (1)" in found.stdout
    assert f"ALTERADO: {sha[:2]}/{sha}" in found.stdout and f"{plan_id} {DOC_TYPES[0]} v1" in found.stdout
    assert _acknowledged(engine) == (2, True)  # nothing acknowledged is lost; the chain holds
    original = tmp_path / "acta.pdf"
    original.write_bytes(PDF)
    refiled = kpt("doc", "file", plan_id, DOC_TYPES[0], str(original), "--fecha", "2023-12-15")
    assert refiled.returncode == 0 and "quedó restituido" in refiled.stdout
    assert kpt("audit", "verify").returncode == 0


def test_a_deleted_blob_is_named_and_restored_from_an_original_copy(kpt, filed, blobs, engine, tmp_path):
    plan_id, sha = filed
    blobs.path_for(sha).unlink()
    found = kpt("audit", "verify")
    assert found.returncode == 1 and f"AUSENTE: {sha[:2]}/{sha}" in found.stdout
    assert f"{plan_id} {DOC_TYPES[1]} v1" in found.stdout
    assert kpt("audit", "verify", "--sin-documentos").returncode == 0
    original = tmp_path / "acta.pdf"
    original.write_bytes(PDF)
    restored = kpt("blobs", "restituir", str(original))
    assert restored.returncode == 0 and "restituido (estaba ausente)" in restored.stdout
    assert kpt("audit", "verify").returncode == 0 and _acknowledged(engine) == (2, True)


def test_a_write_killed_midway_leaves_a_temp_file_that_gc_removes(kpt, filed, blobs):
    """SIGXFSZ's default action kills the writer mid-write (RLIMIT_FSIZE): its temp file remains,
    is not an alarm while it may be in flight, and `kpt blobs gc --borrar` removes it once old."""
    script = ("import resource, signal, sys\nfrom pathlib import Path\nfrom kpt_workflow.storage.blobs import BlobStore\n"
              "signal.signal(signal.SIGXFSZ, signal.SIG_DFL)\n"  # Python ignores it; a C program would die
              "resource.setrlimit(resource.RLIMIT_FSIZE, (64 * 1024, 64 * 1024))\n"
              "BlobStore(Path(sys.argv[1])).put(bytes(1024 * 1024))\n")
    killed = subprocess.run([sys.executable, "-c", script, str(blobs.root)], capture_output=True, timeout=60)
    assert killed.returncode < 0  # killed by the signal, before any cleanup could run
    [left] = [p for p in blobs.folder.rglob("tmp*")]
    assert kpt("audit", "verify").returncode == 0  # a fresh temp file may be a write in flight
    past = time.time() - 3600
    os.utime(left, (past, past))
    assert kpt("audit", "verify").returncode == 1
    listed = kpt("blobs", "gc")
    assert listed.returncode == 0 and "temporal abandonado" in listed.stdout and left.exists()
    removed = kpt("blobs", "gc", "--borrar")
    assert removed.returncode == 0 and "Borrados 1 de 1" in removed.stdout and not left.exists()
    assert kpt("audit", "verify").returncode == 0
