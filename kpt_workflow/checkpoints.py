"""Signed checkpoints of the audit chain's head (DESIGN.md, "Verifiable, not only chained").

The hash chain catches edits, insertions, deletions and reorderings inside the log, but not a
truncated tail or a wholesale rewrite by someone with database access. A checkpoint — the chain's
size and head hash at a moment, signed with an Ed25519 key kept outside the database — can be
handed to the council or the DNP; `verify` then proves the log still extends what was signed.
"""

import base64
import hashlib
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from sqlalchemy import Connection, select

from kpt_workflow.audit import EVENTS, verify
from kpt_workflow.canonical import canonical_json
from kpt_workflow.errors import InvalidInput


def generate_keys(directory: Path) -> tuple[Path, Path]:
    """An Ed25519 key pair: the private key readable by its owner only; the public one to share."""
    directory.mkdir(parents=True, exist_ok=True)
    private, public = directory / "kpt-checkpoint.key", directory / "kpt-checkpoint.pub"
    if private.exists():
        raise InvalidInput(f"Ya existe {private}: no se sobrescribe una llave de firma.", field="out")
    key = Ed25519PrivateKey.generate()
    private.write_bytes(key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                          serialization.NoEncryption()))
    private.chmod(0o600)
    public.write_bytes(key.public_key().public_bytes(serialization.Encoding.PEM,
                                                     serialization.PublicFormat.SubjectPublicKeyInfo))
    return private, public


def _load(path: Path, private: bool) -> Any:
    kind, field = ("privada", "key") if private else ("pública", "public-key")
    try:
        data = path.read_bytes()
    except FileNotFoundError as exc:
        raise InvalidInput(f"No existe la llave {kind} '{path}'.", field=field,
                           hint="Indique la ruta del archivo que creó `kpt audit keygen`.") from exc
    except OSError as exc:
        raise InvalidInput(f"No se pudo leer la llave {kind} '{path}' ({exc.strerror or exc}).", field=field,
                           hint="Revise los permisos del archivo para el usuario que ejecuta kpt.") from exc
    try:
        key = serialization.load_pem_private_key(data, None) if private else serialization.load_pem_public_key(data)
    except (ValueError, TypeError) as exc:
        raise InvalidInput(f"'{path}' no es una llave {kind} en formato PEM.", field=field,
                           hint=("Firme con la llave privada (kpt-checkpoint.key)" if private else
                                 "Verifique con la llave pública (kpt-checkpoint.pub)")
                           + " que creó `kpt audit keygen`.") from exc
    if not isinstance(key, Ed25519PrivateKey if private else Ed25519PublicKey):
        raise InvalidInput(f"'{path}' no es una llave Ed25519.", field=field)
    return key


def _signed_part(checkpoint: dict[str, Any]) -> bytes:
    return canonical_json({k: checkpoint[k] for k in ("size", "head", "time", "key_id")}).encode()


def _key_id(public: Ed25519PublicKey) -> str:
    raw = public.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
    return hashlib.sha256(raw).hexdigest()[:16]


def make_checkpoint(conn: Connection, private_key: Path) -> dict[str, Any]:
    """Sign the current head, after checking the whole chain (a broken log is never signed)."""
    report = verify(conn)
    if not report.ok:
        raise InvalidInput(f"La cadena está alterada ({report.problem}); no se firma un punto de control.")
    key = _load(private_key, private=True)
    checkpoint = {"size": report.events, "head": report.head_hash,
                  "time": datetime.now(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ"), "key_id": _key_id(key.public_key())}
    checkpoint["signature"] = base64.b64encode(key.sign(_signed_part(checkpoint))).decode()
    return checkpoint


def check_checkpoint(conn: Connection, checkpoint: dict[str, Any], public_key: Path) -> str | None:
    """Why the log does not extend the signed checkpoint, or None when it does."""
    key = _load(public_key, private=False)
    try:
        key.verify(base64.b64decode(checkpoint["signature"]), _signed_part(checkpoint))
    except (InvalidSignature, KeyError, ValueError, TypeError):
        return "la firma del punto de control no es válida para esta llave pública"
    size = checkpoint["size"]
    if size == 0:
        return None
    row = conn.execute(select(EVENTS.c.hash).where(EVENTS.c.seq == size)).first()
    if row is None:
        return f"la cadena tiene menos de {size} eventos: se truncó después del punto de control del {checkpoint['time']}"
    if row.hash != checkpoint["head"]:
        return f"el evento {size} no es el que se firmó el {checkpoint['time']}: la cadena fue reescrita"
    return None
