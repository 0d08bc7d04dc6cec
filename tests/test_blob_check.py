"""Documents are part of the proof: `kpt audit verify` re-hashes every blob an event names and
names each altered, missing or unreferenced file with its plan, type and version; filing the same
bytes again repairs a blob; `kpt blobs gc` lists what no event names and removes it only with
--borrar; a failed write leaves no temporary file behind. On SQLite and PostgreSQL."""

import errno
import json
import os
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

import pytest
from sqlalchemy import Engine, event

from in_process import run_kpt
from kpt_workflow.audit import blob_check
from kpt_workflow.storage.blobs import BlobStore
from kpt_workflow.services.sample import PDF
from kpt_workflow.storage.unit_of_work import UnitOfWork

DOC_TYPE = "formato_empalme_01"
OTHER_PDF = PDF.replace(b"%%EOF", b"%otra\n%%EOF")


@pytest.fixture
def kpt(engine: Engine, blobs: BlobStore, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]):
    """Run `kpt ARGS…` in-process on the test database and the `blobs` store; (exit, stdout, stderr)."""
    monkeypatch.setenv("KPT_DATABASE_URL", engine.url.render_as_string(hide_password=False))
    monkeypatch.setenv("KPT_DATA_DIR", str(blobs.root))

    def run(*args: str) -> tuple[int, str, str]:
        code, out, err = run_kpt(capsys, args)
        return code, out, err

    return run


@pytest.fixture
def filed(new_plan, file_doc) -> tuple[str, str]:  # type: ignore[no-untyped-def]
    """A plan with one filed PDF: (plan id, the blob's SHA-256)."""
    plan_id = new_plan("05001")
    return plan_id, str(file_doc(plan_id, DOC_TYPE)["sha256"])


def _alter_one_byte(path: Path) -> None:
    content = bytearray(path.read_bytes())
    content[len(content) // 2] ^= 0x01
    path.write_bytes(bytes(content))


def _verify(kpt: Callable[..., tuple[int, str, str]], *options: str) -> tuple[int, dict, str]:  # type: ignore[type-arg]
    code, out, _ = kpt("audit", "verify", "--json", *options)
    _, text, _ = kpt("audit", "verify", *options)
    return code, json.loads(out), text


def test_verify_passes_on_intact_documents_and_shows_its_figure(kpt, filed):
    code, report, text = _verify(kpt)
    assert code == 0 and report["ok"] and report["documents"]["ok"]
    assert report["documents"]["files"] == 1 and report["documents"]["bytes"] == len(PDF)
    assert "mb_per_s" in report["documents"] and "Documentos íntegros" in text and "MB/s" in text


def test_verify_names_an_altered_blob_with_its_plan_type_and_version(kpt, filed, blobs):
    plan_id, sha = filed
    _alter_one_byte(blobs.path_for(sha))
    code, report, text = _verify(kpt)
    assert code == 1 and not report["ok"]
    assert report["first_bad_seq"] is None  # the chain itself holds: only the file changed
    [problem] = report["documents"]["problems"]
    assert problem["kind"] == "alterado" and problem["sha256"] == sha
    assert problem["documents"] == [{"plan_id": plan_id, "doc_type": DOC_TYPE, "version": 1, "expected_size": len(PDF)}]
    assert f"ALTERADO: {sha[:2]}/{sha}" in text and f"{plan_id} {DOC_TYPE} v1" in text


def test_verify_names_a_missing_blob(kpt, filed, blobs):
    plan_id, sha = filed
    blobs.path_for(sha).unlink()
    code, report, text = _verify(kpt)
    [problem] = report["documents"]["problems"]
    assert code == 1 and problem["kind"] == "ausente" and problem["documents"][0]["plan_id"] == plan_id
    assert f"AUSENTE: {sha[:2]}/{sha}" in text


def test_verify_lists_a_file_no_event_names_but_not_a_write_in_flight(kpt, filed, blobs):
    stray = blobs.folder / "ab" / ("ab" + "0" * 62)
    stray.parent.mkdir(parents=True)
    stray.write_bytes(b"nadie lo radico")
    in_flight = blobs.path_for(filed[1]).parent / "tmpabc12345"
    in_flight.write_bytes(b"a medio escribir")
    code, report, text = _verify(kpt)
    assert code == 1
    assert [(p["kind"], p["path"]) for p in report["documents"]["problems"]] == [("sin_referencia", f"ab/{stray.name}")]
    assert f"SIN REFERENCIA: ab/{stray.name} (15 bytes)" in text


def test_a_refused_file_names_no_blob(kpt, new_plan, file_doc):
    plan_id = new_plan("05001")
    with pytest.raises(Exception):
        file_doc(plan_id, DOC_TYPE, content=b"MZ no es un PDF")
    code, report, _ = _verify(kpt)
    assert code == 0 and report["documents"]["files"] == 0


def test_sin_documentos_skips_the_documents(kpt, filed, blobs):
    blobs.path_for(filed[1]).unlink()
    code, report, text = _verify(kpt, "--sin-documentos")
    assert code == 0 and report["documents"] is None and "no verificados" in text


def test_filing_the_same_bytes_again_repairs_an_altered_or_missing_blob(kpt, filed, blobs, file_doc, tmp_path):
    plan_id, sha = filed
    _alter_one_byte(blobs.path_for(sha))
    assert file_doc(plan_id, DOC_TYPE)["blob_reparado"] is True
    assert blobs.path_for(sha).read_bytes() == PDF and _verify(kpt)[0] == 0
    assert file_doc(plan_id, DOC_TYPE)["blob_reparado"] is False
    blobs.path_for(sha).unlink()
    original = tmp_path / "acta.pdf"
    original.write_bytes(PDF)
    code, out, _ = kpt("doc", "file", plan_id, DOC_TYPE, str(original), "--fecha", "2023-12-15")
    assert code == 0 and "quedó restituido" in out
    assert _verify(kpt)[0] == 0


def test_gc_lists_what_no_event_names_and_removes_it_only_with_borrar(kpt, filed, blobs):
    _, sha = filed
    orphan = blobs.put(OTHER_PDF).sha256  # stored, but its filing never committed
    old_temp = blobs.folder / "ab" / "tmpxyz98765"
    old_temp.parent.mkdir(parents=True)
    old_temp.write_bytes(b"escritura fallida")
    past = time.time() - 3600
    for path in (blobs.path_for(orphan), old_temp):
        os.utime(path, (past, past))
    code, out, _ = kpt("blobs", "gc", "--json")
    listed = json.loads(out)
    assert code == 0 and listed["removed"] == []
    assert {(f["path"], f["size"], f["temporary"]) for f in listed["files"]} == {
        (f"{orphan[:2]}/{orphan}", len(OTHER_PDF), False), ("ab/tmpxyz98765", 17, True)}
    assert blobs.path_for(orphan).exists() and old_temp.exists()
    code, out, _ = kpt("blobs", "gc", "--borrar")
    assert code == 0 and "Borrados 2 de 2" in out
    assert not blobs.path_for(orphan).exists() and not old_temp.exists() and blobs.path_for(sha).exists()
    assert "no guarda archivos sin referencia" in kpt("blobs", "gc")[1]


def test_gc_keeps_a_blob_stored_a_moment_ago(kpt, filed, blobs):
    """A filing stores its blob before its event commits: a fresh unnamed blob is listed, not removed."""
    fresh = blobs.put(OTHER_PDF).sha256
    code, out, _ = kpt("blobs", "gc", "--borrar")
    assert code == 0 and "se conserva" in out and blobs.path_for(fresh).exists()


def test_put_refreshes_an_intact_blob_so_gc_spares_it(blobs):
    sha = blobs.put(PDF).sha256
    os.utime(blobs.path_for(sha), (0, 0))
    assert blobs.put(PDF).found == "intact"
    assert time.time() - blobs.path_for(sha).stat().st_mtime < 60


def test_put_replaces_an_altered_blob_by_rename_not_in_place(blobs):
    sha = blobs.put(PDF).sha256
    _alter_one_byte(blobs.path_for(sha))
    before = blobs.path_for(sha).stat().st_ino
    assert blobs.put(PDF).found == "altered"
    assert blobs.path_for(sha).read_bytes() == PDF and blobs.path_for(sha).stat().st_ino != before


@pytest.mark.parametrize("failing", ["fsync", "replace"])
def test_a_write_that_fails_midway_leaves_no_temporary_file(blobs, monkeypatch, failing):
    def full_disk(*_: object) -> None:
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(os, failing, full_disk)
    with pytest.raises(OSError):
        blobs.put(PDF)
    assert [p.name for p in blobs.folder.rglob("*") if p.is_file()] == []


def test_a_write_past_the_file_size_limit_leaves_no_temporary_file(tmp_path):
    """A full disk, as RLIMIT_FSIZE simulates it in a process of its own (EFBIG, not a kill)."""
    script = (
        "import resource, signal, sys\n"
        "from pathlib import Path\n"
        "from kpt_workflow.storage.blobs import BlobStore\n"
        "signal.signal(signal.SIGXFSZ, signal.SIG_IGN)\n"
        "store = BlobStore(Path(sys.argv[1]))\n"
        "store.folder.mkdir(parents=True)\n"
        "resource.setrlimit(resource.RLIMIT_FSIZE, (64 * 1024, 64 * 1024))\n"
        "try:\n"
        "    store.put(bytes(1024 * 1024))\n"
        "except OSError as exc:\n"
        "    print(exc.errno)\n")
    done = subprocess.run([sys.executable, "-c", script, str(tmp_path / "data")], capture_output=True, text=True,
                          check=True)
    assert done.stdout.strip() == str(errno.EFBIG)
    assert [p for p in (tmp_path / "data").rglob("*") if p.is_file()] == []


def test_the_handle_checked_is_the_one_sent_even_if_the_file_is_swapped(blobs):
    sha = blobs.put(PDF).sha256
    handle = blob_check.open_verified(blobs, sha, len(PDF), "la prueba")
    swapped = blobs.path_for(sha).with_name("tmpswap0000")
    swapped.write_bytes(OTHER_PDF)
    os.replace(swapped, blobs.path_for(sha))
    with handle:
        assert handle.read() == PDF


def test_open_verified_refuses_an_altered_or_missing_blob(blobs):
    sha = blobs.put(PDF).sha256
    _alter_one_byte(blobs.path_for(sha))
    with pytest.raises(blob_check.DocumentAltered):
        blob_check.open_verified(blobs, sha, len(PDF), "la prueba")
    blobs.path_for(sha).unlink()
    with pytest.raises(blob_check.DocumentMissing):
        blob_check.open_verified(blobs, sha, len(PDF), "la prueba")


def test_restituir_puts_back_a_blob_of_a_plan_that_takes_no_more_filings(kpt, filed, blobs, engine, tmp_path):
    """A finished plan refuses a new filing; the operator restores its file from an original copy,
    which only bytes an event names can be, and the repair is in the security log."""
    _, sha = filed
    blobs.path_for(sha).unlink()
    original, impostor = tmp_path / "original.pdf", tmp_path / "otro.pdf"
    original.write_bytes(PDF)
    impostor.write_bytes(OTHER_PDF)
    code, out, err = kpt("blobs", "restituir", str(impostor))
    assert code == 1 and "Ningún documento radicado tiene la huella" in err and not blobs.path_for(sha).exists()
    code, out, _ = kpt("blobs", "restituir", str(original))
    assert code == 0 and "restituido (estaba ausente)" in out and blobs.path_for(sha).read_bytes() == PDF
    assert "ya lo tenía íntegro" in kpt("blobs", "restituir", str(original))[1]
    code, out, _ = kpt("audit", "security", "--json")
    assert [e["kind"] for e in json.loads(out)] == ["documento_restituido"] and _verify(kpt)[0] == 0


def test_gc_removes_a_stray_file_at_once_when_it_cannot_be_a_filing(kpt, filed, blobs):
    stray = blobs.folder / "notas.txt"
    stray.write_text("no es un documento")
    code, out, _ = kpt("blobs", "gc", "--borrar")
    assert code == 0 and "Borrados 1 de 1" in out and not stray.exists()


def test_a_new_blob_is_looked_up_by_its_digest_through_an_index(engine: Engine, blobs: BlobStore) -> None:
    """Every filing of bytes new to the store asks whether a document was filed with them before:
    the question reads an index (migration 0012), not every document row. The plan is asked of
    the database for the very statement `repaired` runs."""
    stored = blobs.put(OTHER_PDF + b"%nuevo")
    assert stored.found == "absent"
    seen: list[tuple[str, object]] = []

    def capture(_conn, _cursor, statement, parameters, _context, _many):  # type: ignore[no-untyped-def]
        seen.append((statement, parameters))

    event.listen(engine, "before_cursor_execute", capture)
    try:
        with UnitOfWork(engine) as uow:
            assert blob_check.repaired(uow.connection, stored) is False
    finally:
        event.remove(engine, "before_cursor_execute", capture)
    [(statement, parameters)] = [(s, p) for s, p in seen if "sha256" in s]
    explain = "EXPLAIN QUERY PLAN " if engine.dialect.name == "sqlite" else "EXPLAIN "
    with engine.connect() as conn:
        driver = conn.connection.driver_connection
        cursor = driver.cursor()
        if engine.dialect.name == "postgresql":  # a fresh table's statistics must not decide the test
            cursor.execute("SET enable_seqscan = off")
        cursor.execute(explain + statement, parameters)
        plan = " ".join(str(cell) for row in cursor.fetchall() for cell in row)
    assert "ix_document_sha256" in plan, plan
