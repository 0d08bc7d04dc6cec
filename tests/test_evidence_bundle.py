"""The council's evidence bundle: built through the use-case (and `kpt plan bundle`), verified by its
own verifier in a Python that can import nothing but the standard library and `cryptography`, and
refused, naming what changed, once one byte of a document, an event or the checkpoint is changed."""

import ast
import io
import json
import struct
import subprocess
import sys
import zipfile
from datetime import date
from pathlib import Path

import _cffi_backend
import cryptography
import pytest

from kpt_workflow.audit import security_log, verificar_paquete
from kpt_workflow.audit.checkpoints import generate_keys, latest_checkpoint, make_checkpoint
from kpt_workflow.base.errors import PlanNotFound
from kpt_workflow.services.access import Actor, operator
from kpt_workflow.services.evidence import VERIFIER, write_evidence_bundle
from kpt_workflow.storage.unit_of_work import UnitOfWork

TODAY = date(2024, 5, 12)
COUNCIL = Actor("concejo", "corporacion", "05001")


@pytest.fixture(scope="session")
def only_cryptography(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A folder holding `cryptography` and nothing else (but `_cffi_backend`, the compiled module
    `pip install cryptography` brings along for it): the verifier's whole world."""
    folder = tmp_path_factory.mktemp("solo-cryptography")
    (folder / "cryptography").symlink_to(Path(cryptography.__file__).parent)
    (folder / Path(_cffi_backend.__file__).name).symlink_to(_cffi_backend.__file__)
    return folder


def run_verifier(only_cryptography: Path, bundle: Path, *args: str) -> tuple[int, str]:
    """`python verificar_paquete.py BUNDLE`, the verifier taken out of the bundle itself, in an
    interpreter without site-packages (-I -S) whose path adds only `only_cryptography`."""
    with zipfile.ZipFile(bundle) as opened:
        script = bundle.parent / VERIFIER
        script.write_bytes(opened.read(VERIFIER))
    runner = (f"import sys, runpy; sys.path.append({str(only_cryptography)!r}); "
              f"sys.argv = [{str(script)!r}, *sys.argv[1:]]; runpy.run_path(sys.argv[0], run_name='__main__')")
    done = subprocess.run([sys.executable, "-I", "-S", "-c", runner, str(bundle), *args], capture_output=True,
                          text=True, timeout=60)
    assert "Traceback" not in done.stderr, done.stderr
    return done.returncode, done.stdout + done.stderr


def sign(engine, tmp_path: Path) -> Path:  # type: ignore[no-untyped-def]
    keys = tmp_path / "llaves"
    if not keys.exists():
        generate_keys(keys)
    with UnitOfWork(engine, write=True) as uow:
        make_checkpoint(uow.connection, keys / "kpt-checkpoint.key", "cli:prueba")
        uow.commit()
    return keys / "kpt-checkpoint.pub"


def build(engine, blobs, plan_id: str, path: Path, actor: Actor = COUNCIL):  # type: ignore[no-untyped-def]
    with path.open("wb") as target:
        return write_evidence_bundle(engine, blobs, actor, plan_id, TODAY, target, "198.51.100.7")


@pytest.fixture
def signed_bundle(engine, blobs, plan_in_council, new_plan, tmp_path) -> Path:  # type: ignore[no-untyped-def]
    """The tidy 2024 cycle of Medellín before its concejo, with another plan's events after it in
    the chain, signed, and bundled for the concejo."""
    new_plan("11001")
    sign(engine, tmp_path)
    path = tmp_path / "paquete.zip"
    build(engine, blobs, plan_in_council, path)
    return path


def rewritten(bundle: Path, member: str, change) -> Path:  # type: ignore[no-untyped-def]
    """A copy of the bundle with `member`'s bytes changed by `change`, zipped again as a forger would."""
    out = bundle.with_name("alterado.zip")
    with zipfile.ZipFile(bundle) as source, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as copy:
        for info in source.infolist():
            data = source.read(info.filename)
            copy.writestr(info, change(data) if info.filename == member else data)
    return out


def one_byte(data: bytes, after: bytes) -> bytes:
    """`data` with the byte right after the first `after` changed (a digit or a letter to another)."""
    at = data.index(after) + len(after)
    changed = {ord("9"): ord("8"), ord("Z"): ord("Y"), ord("z"): ord("y")}.get(data[at], data[at] + 1)
    return data[:at] + bytes([changed]) + data[at + 1:]


def test_a_fresh_bundle_verifies_offline_with_only_cryptography(signed_bundle, only_cryptography, plan_in_council):
    code, said = run_verifier(only_cryptography, signed_bundle)
    assert code == 0, said
    assert f"Plan {plan_in_council}" in said and "Punto de control firmado el" in said and "hora de Colombia" in said
    assert "RESULTADO: íntegro" in said and "✗" not in said
    with zipfile.ZipFile(signed_bundle) as opened:
        names = set(opened.namelist())
        manifest = json.loads(opened.read("paquete.json"))
        assert opened.read("informe.pdf").startswith(b"%PDF")
    assert {"LEAME.txt", "paquete.json", VERIFIER, "informe.pdf", "cadena.jsonl", "punto_de_control.json"} <= names
    filed = [name for name in names if name.startswith("documentos/")]
    assert len(filed) == len(manifest["documentos"]) > 10
    assert all(said.count(name) == 1 for name in filed)  # each file checked against its event


def test_the_verifier_imports_only_the_standard_library_and_cryptography():
    tree = ast.parse(Path(verificar_paquete.__file__).read_text(encoding="utf-8"))
    imported = {alias.name.split(".")[0] for node in ast.walk(tree) if isinstance(node, ast.Import)
                for alias in node.names}
    imported |= {(node.module or "").split(".")[0] for node in ast.walk(tree) if isinstance(node, ast.ImportFrom)}
    assert imported - sys.stdlib_module_names - {"__future__"} == {"cryptography"}


def test_the_isolated_interpreter_cannot_import_kpt_workflow(only_cryptography):
    """So a verifier that reached for kpt_workflow would fail the test above, not pass by accident."""
    done = subprocess.run([sys.executable, "-I", "-S", "-c", f"import sys; sys.path.append({str(only_cryptography)!r}); "
                           "import cryptography.hazmat.primitives.asymmetric.ed25519; import kpt_workflow"],
                          capture_output=True, text=True, timeout=60)
    assert done.returncode == 1 and "No module named 'kpt_workflow'" in done.stderr


@pytest.mark.parametrize("member, change, named", [
    ("documentos/programa_gobierno-v1.pdf", lambda d: one_byte(d, b"%PDF-"),
     "El documento «documentos/programa_gobierno-v1.pdf» («Programa de gobierno inscrito», versión 1) fue alterado: "
     "su SHA-256 es"),
    ("cadena.jsonl", lambda d: one_byte(d, b'"actor":"'), "(Plan creado en «Alistamiento») fue alterado: su contenido no "
     "da el hash SHA-256 que registra"),
    ("punto_de_control.json", lambda d: one_byte(d, b'"size":'),
     "El punto de control fue alterado: su firma Ed25519 no corresponde a su contenido"),
], ids=["documento", "evento", "punto-de-control"])
def test_one_changed_byte_is_refused_in_spanish_naming_what_changed(signed_bundle, only_cryptography, member, change,
                                                                    named):
    code, said = run_verifier(only_cryptography, rewritten(signed_bundle, member, change))
    assert code == 1 and named in said, said
    assert "RESULTADO: paquete ALTERADO; 1 problema, cada uno con ✗." in said


def test_an_event_edited_with_its_hash_recomputed_breaks_the_link_to_the_signed_head(signed_bundle, only_cryptography):
    def forge(data: bytes) -> bytes:
        lines = data.splitlines()
        record = json.loads(lines[1])
        record["actor"] = "otro"
        record["hash"] = verificar_paquete.event_hash(record)
        lines[1] = json.dumps(record, ensure_ascii=False).encode()
        return b"\n".join(lines) + b"\n"

    code, said = run_verifier(only_cryptography, rewritten(signed_bundle, "cadena.jsonl", forge))
    assert code == 1 and "no enlaza con el n.º" in said and "ese evento fue alterado o reemplazado" in said, said


def test_a_byte_flipped_in_the_zip_itself_names_the_damaged_member(signed_bundle, only_cryptography):
    data = bytearray(signed_bundle.read_bytes())
    with zipfile.ZipFile(signed_bundle) as opened:
        info = opened.getinfo("cadena.jsonl")
    name_length, extra_length = struct.unpack_from("<HH", data, info.header_offset + 26)  # the local header's
    data[info.header_offset + 30 + name_length + extra_length + info.compress_size // 2] ^= 0x01
    flipped = signed_bundle.with_name("volteado.zip")
    flipped.write_bytes(bytes(data))
    code, said = run_verifier(only_cryptography, flipped)
    assert code == 1 and "«cadena.jsonl» está dañado o fue alterado dentro del ZIP" in said, said


def test_events_after_the_latest_checkpoint_are_said_unsigned(engine, blobs, plan_in_council, file_doc, tmp_path,
                                                             only_cryptography):
    sign(engine, tmp_path)
    file_doc(plan_in_council, "concepto_ctp")  # a new version, after the signature
    summary = build(engine, blobs, plan_in_council, tmp_path / "paquete.zip")
    assert summary.unsigned_events == 1 and "1 evento del plan sin firma todavía" in summary.describe()
    code, said = run_verifier(only_cryptography, tmp_path / "paquete.zip")
    assert code == 2 and "Después del punto de control: 1 evento del plan" in said and "✗" not in said, said


def test_without_any_checkpoint_the_bundle_says_nothing_proves_it_is_the_signed_chain(
        engine, blobs, plan_in_council, tmp_path, only_cryptography):
    summary = build(engine, blobs, plan_in_council, tmp_path / "paquete.zip")
    assert summary.checkpoint_size is None and "sin punto de control firmado" in summary.describe()
    code, said = run_verifier(only_cryptography, tmp_path / "paquete.zip")
    assert code == 2 and "no trae punto de control firmado" in said, said


def test_a_public_key_held_apart_must_be_the_one_that_signed(signed_bundle, only_cryptography, tmp_path):
    assert run_verifier(only_cryptography, signed_bundle, "--llave-publica",
                        str(tmp_path / "llaves" / "kpt-checkpoint.pub"))[0] == 0
    other = generate_keys(tmp_path / "otras")[1]
    code, said = run_verifier(only_cryptography, signed_bundle, "--llave-publica", str(other))
    assert code == 1 and "no es la que firmó el punto de control" in said


def test_checkpoints_are_kept_and_the_bundle_takes_the_latest_the_chain_still_holds(engine, new_plan, tmp_path):
    new_plan("05001")
    sign(engine, tmp_path)
    new_plan("11001")
    sign(engine, tmp_path)
    with UnitOfWork(engine) as uow:
        latest = latest_checkpoint(uow.connection)
    assert latest is not None and latest["size"] == 2
    with UnitOfWork(engine, write=True) as uow:  # a checkpoint of a head the chain no longer holds
        uow.connection.exec_driver_sql(
            "INSERT INTO audit_checkpoint (size, head, signed_at, key_id, signature, public_key, actor) "
            "VALUES (3, 'ff', '2030-01-01T00:00:00Z', 'x', 'x', 'x', 'x')")
        uow.commit()
    with UnitOfWork(engine) as uow:
        assert latest_checkpoint(uow.connection) == latest


@pytest.mark.parametrize("actor, allowed", [
    (COUNCIL, True), (Actor("ana", "planeacion", "05001"), True), (Actor("dnp", "dnp", None), True),
    (operator("cli:prueba"), True), (Actor("antioquia", "departamento", "05"), False),
    (Actor("admin", "admin", None), False), (Actor("concejo-bogota", "corporacion", "11001"), False),
    (Actor("bogota", "planeacion", "11001"), False)])
def test_the_council_the_office_and_the_dnp_take_the_bundle_and_no_one_else_sees_the_plan(
        engine, blobs, new_plan, actor, allowed):
    plan_id = new_plan("05001")
    target = io.BytesIO()
    if allowed:
        write_evidence_bundle(engine, blobs, actor, plan_id, TODAY, target)
        assert zipfile.ZipFile(target).testzip() is None
    else:
        with pytest.raises(PlanNotFound):
            write_evidence_bundle(engine, blobs, actor, plan_id, TODAY, target)
        assert target.getvalue() == b""
    with UnitOfWork(engine) as uow:
        logged = [e for e in security_log.recent(uow.connection) if e["kind"] == "paquete_evidencia"]
    assert [e["username"] for e in logged] == ([actor.username] if allowed else [])


def test_a_bundle_is_logged_with_who_took_it_and_what_it_held(signed_bundle, engine, plan_in_council):
    with UnitOfWork(engine) as uow:
        logged = [e for e in security_log.recent(uow.connection) if e["kind"] == "paquete_evidencia"]
    assert len(logged) == 1 and logged[0]["username"] == "concejo" and logged[0]["client_address"] == "198.51.100.7"
    assert logged[0]["detail"].startswith(f"plan {plan_in_council}: informe, ")


def test_a_file_altered_in_the_store_refuses_the_bundle_and_is_logged(engine, blobs, plan_in_council, tmp_path):
    victim = next((blobs.folder).rglob("*/*"))
    victim.write_bytes(victim.read_bytes() + b"x")
    target = io.BytesIO()
    with pytest.raises(Exception) as refused:
        write_evidence_bundle(engine, blobs, COUNCIL, plan_in_council, TODAY, target)
    assert getattr(refused.value, "code", None) == "documento_alterado" and target.getvalue() == b""
    with UnitOfWork(engine) as uow:
        kinds = [e["kind"] for e in security_log.recent(uow.connection)]
    assert "documento_alterado" in kinds and "paquete_evidencia" not in kinds


def test_kpt_plan_bundle_writes_the_zip_and_refuses_to_overwrite(kpt_on, engine, plan_in_council, tmp_path):
    url = engine.url.render_as_string(hide_password=False)
    out = tmp_path / "paquete.zip"
    code, said = kpt_on(url, "plan", "bundle", plan_in_council, "--out", str(out), "--hoy", "2024-05-12")
    assert code == 0 and f"Paquete de evidencia en {out}: plan {plan_in_council}: informe, " in said, said
    assert "sin punto de control firmado" in said and zipfile.ZipFile(out).testzip() is None
    code, said = kpt_on(url, "plan", "bundle", plan_in_council, "--out", str(out), "--json")
    assert code == 1 and "no se sobrescribe" in said
    code, said = kpt_on(url, "plan", "bundle", plan_in_council, "--out", str(tmp_path / "otro.zip"), "--json")
    assert code == 0 and json.loads(said)["plan_events"] > 10
    code, said = kpt_on(url, "plan", "bundle", plan_in_council, "--out", str(tmp_path / "x.zip"), "--as", "nadie")
    assert code == 1 and "no existe un usuario activo" in said and not (tmp_path / "x.zip").exists()
