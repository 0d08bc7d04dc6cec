"""Signed checkpoints of the audit chain's head (DESIGN.md, "Verifiable, not only chained").

The hash chain catches edits, insertions, deletions and reorderings inside the log, but not a
truncated tail or a wholesale rewrite by someone with database access. A checkpoint — the chain's
size and head hash at a moment, signed with an Ed25519 key kept outside the database — can be
handed to the council or the DNP; `verify` then proves the log still extends what was signed.

A restore from a backup puts the chain back to the backup's head: checkpoints signed later cannot
be extended any more. A rebaseline, signed with the same key and stored in its own table (its
subject is the chain, not a plan or a person), records why the chain continues from there; such a
checkpoint is then reported as superseded by it, by number, instead of failing.
"""

import base64
import hashlib
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from sqlalchemy import Connection, func, insert, select

from kpt_workflow.audit.verify import verify
from kpt_workflow.base.canonical import canonical_json
from kpt_workflow.base.errors import InvalidInput
from kpt_workflow.base.figures import amount, number
from kpt_workflow.storage.event_encoding import GENESIS_HASH
from kpt_workflow.storage.event_log import EVENTS
from kpt_workflow.storage.tables import AuditCheckpoint, AuditRebaseline
from kpt_workflow.law.calendar import COLOMBIA

REBASELINES = AuditRebaseline.__table__
CHECKPOINTS = AuditCheckpoint.__table__
_REBASELINE_SIGNED = ("seq", "head", "reason", "actor", "signed_at", "key_id")


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


def make_checkpoint(conn: Connection, private_key: Path, actor: str) -> dict[str, Any]:
    """Sign the current head, after checking the whole chain (a broken log is never signed), and
    keep it, in the caller's transaction, with the public key that checks it (`latest_checkpoint`)."""
    report = verify(conn)
    if not report.ok:
        raise InvalidInput(f"La cadena está alterada ({report.problem}); no se firma un punto de control.")
    key = _load(private_key, private=True)
    checkpoint = {"size": report.events, "head": report.head_hash,
                  "time": datetime.now(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ"), "key_id": _key_id(key.public_key())}
    checkpoint["signature"] = base64.b64encode(key.sign(_signed_part(checkpoint))).decode()
    public = key.public_key().public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
    conn.execute(insert(CHECKPOINTS).values(size=checkpoint["size"], head=checkpoint["head"], signed_at=checkpoint["time"],
                                            key_id=checkpoint["key_id"], signature=checkpoint["signature"],
                                            public_key=public.decode("ascii"), actor=actor[:64]))
    return checkpoint


def latest_checkpoint(conn: Connection) -> dict[str, Any] | None:
    """The newest stored checkpoint whose head the chain still holds (one signed before a restore
    to an earlier head, or over a rewritten chain, proves nothing of this one), as it was signed,
    with its public key (PEM) under `public_key`."""
    held = select(CHECKPOINTS).join(EVENTS, (EVENTS.c.seq == CHECKPOINTS.c.size) & (EVENTS.c.hash == CHECKPOINTS.c.head))
    row = conn.execute(held.order_by(CHECKPOINTS.c.id.desc()).limit(1)).mappings().first()
    if row is None:
        return None
    return {"size": row["size"], "head": row["head"], "time": row["signed_at"], "key_id": row["key_id"],
            "signature": row["signature"], "public_key": row["public_key"]}


@dataclass(frozen=True)
class Verdict:
    """What a checkpoint says of the log: `problem` when the log does not extend it (it fails);
    `superseded` when it cannot, but a signed rebaseline says why (it passes, and says so)."""

    problem: str | None = None
    superseded: str | None = None


def check_checkpoint(conn: Connection, checkpoint: dict[str, Any], public_key: Path) -> Verdict:
    """Whether the log extends the signed checkpoint; when it holds fewer events, exactly how many
    are missing after its head, or which signed rebaseline supersedes the checkpoint."""
    key = _load(public_key, private=False)
    try:
        key.verify(base64.b64decode(checkpoint["signature"]), _signed_part(checkpoint))
    except (InvalidSignature, KeyError, ValueError, TypeError):
        return Verdict("la firma del punto de control no es válida para esta llave pública")
    size, when = checkpoint["size"], bogota(checkpoint["time"])
    if size == 0:
        return Verdict()
    row = conn.execute(select(EVENTS.c.hash).where(EVENTS.c.seq == size)).first()
    if row is not None and row.hash == checkpoint["head"]:
        return Verdict()
    rebaseline = _superseding(conn, checkpoint, key)
    if rebaseline is not None:
        return Verdict(superseded=f"el punto de control del {when}, que firma {amount(size, 'evento')}, queda superado por "
                                  f"la {describe_rebaseline(rebaseline)}")
    if row is not None:
        return Verdict(f"el evento {number(size)} no es el que se firmó el {when}: la cadena fue reescrita")
    last = conn.execute(select(func.coalesce(func.max(EVENTS.c.seq), 0))).scalar_one()
    if last == 0:
        return Verdict(f"el punto de control del {when} firma {amount(size, 'evento')} y la base no tiene ninguno: "
                       "se truncó o se restauró de un respaldo anterior")
    head = conn.execute(select(EVENTS.c.hash).where(EVENTS.c.seq == last)).scalar_one()
    return Verdict(f"el punto de control del {when} firma {amount(size, 'evento')}; esta base tiene {number(last)}: "
                   f"{_missing(size - last)} a su cabeza (seq {number(last)}, hash {head}). La "
                   "cadena se truncó o se restauró de un respaldo anterior; si fue una restauración, regístrela con "
                   "kpt audit rebaseline")


def _missing(count: int) -> str:
    return "falta el 1 posterior" if count == 1 else f"faltan los {number(count)} posteriores"


def bogota(utc: str) -> str:
    """A signed UTC time ("…Z") as people here read it."""
    try:
        moment = datetime.strptime(utc, "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=timezone.utc)
    except (TypeError, ValueError):
        return str(utc)
    return moment.astimezone(COLOMBIA).strftime("%Y-%m-%d %H:%M:%S") + ", hora de Colombia"


def _rebaseline_part(record: dict[str, Any]) -> bytes:
    return canonical_json({k: record[k] for k in _REBASELINE_SIGNED}).encode()


def make_rebaseline(conn: Connection, private_key: Path, reason: str, actor: str) -> dict[str, Any]:
    """Sign and record, in the caller's transaction, that the chain continues from its current head
    (after checking the whole chain: a broken log is never signed)."""
    reason = " ".join(reason.split())
    if not reason or len(reason) > 500:
        raise InvalidInput("--motivo: diga por qué la cadena continúa desde aquí (hasta 500 caracteres).",
                           field="motivo")
    report = verify(conn)
    if not report.ok:
        raise InvalidInput(f"La cadena está alterada ({report.problem}); no se firma una línea base.")
    key = _load(private_key, private=True)
    record: dict[str, Any] = {"seq": report.events, "head": report.head_hash, "reason": reason, "actor": actor[:64],
                              "signed_at": datetime.now(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ"),
                              "key_id": _key_id(key.public_key())}
    record["signature"] = base64.b64encode(key.sign(_rebaseline_part(record))).decode()
    record["id"] = conn.execute(insert(REBASELINES).values(**record)).inserted_primary_key[0]
    return record


def describe_rebaseline(record: dict[str, Any]) -> str:
    return (f"línea base firmada n.º {record['id']} ({bogota(record['signed_at'])}, por {record['actor']}): la "
            f"cadena continúa desde el evento {number(record['seq'])} (hash {record['head']}); motivo: "
            f"{record['reason']}")


def rebaselines(conn: Connection) -> list[dict[str, Any]]:
    return [dict(row) for row in conn.execute(select(REBASELINES).order_by(REBASELINES.c.id)).mappings()]


def _superseding(conn: Connection, checkpoint: dict[str, Any], key: Ed25519PublicKey) -> dict[str, Any] | None:
    """The first rebaseline that accounts for `checkpoint`: signed with the same key, after it,
    from a head before its end that the chain still holds."""
    for record in rebaselines(conn):
        if record["seq"] >= checkpoint["size"] or record["signed_at"] < checkpoint["time"]:
            continue
        try:
            key.verify(base64.b64decode(record["signature"]), _rebaseline_part(record))
        except (InvalidSignature, ValueError):
            continue
        held = GENESIS_HASH if record["seq"] == 0 else \
            conn.execute(select(EVENTS.c.hash).where(EVENTS.c.seq == record["seq"])).scalar()
        if held == record["head"]:
            return record
    return None
