#!/usr/bin/env python3
"""Verifica, sin conexión, un paquete de evidencia de kpt-workflow (`kpt plan bundle`).

    python verificar_paquete.py paquete.zip [--llave-publica kpt-checkpoint.pub]

Necesita solo Python (3.9 o posterior) y el paquete `cryptography`; no lee ninguna base de datos.
Comprueba que cada evento de cadena.jsonl da su hash (SHA-256 de su JSON canónico) y enlaza con el
anterior; que cada archivo de documentos/ tiene el SHA-256 que registró el evento que lo radicó; y
que la cadena llega a la cabeza del punto de control, cuya firma Ed25519 verifica con la llave
pública. Sale con 0 si todo queda probado, con 1 si algo fue alterado, y con 2 si el paquete está
íntegro pero algún evento del plan es posterior al último punto de control firmado (o no hay uno).
"""

from __future__ import annotations

import argparse
import base64
import hashlib
import json
import sys
import zipfile
import zlib
from datetime import datetime, timedelta, timezone

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

GENESIS = "0" * 64  # el enlace del primer evento de la cadena
COLOMBIA = timezone(timedelta(hours=-5))  # sin horario de verano desde 1993
MESES = ("enero", "febrero", "marzo", "abril", "mayo", "junio", "julio", "agosto", "septiembre", "octubre",
         "noviembre", "diciembre")


def number(value: int) -> str:
    """Una cifra como la escriben los documentos colombianos: 1.234."""
    return f"{value:,}".replace(",", ".") if isinstance(value, int) else str(value)


def amount(count: int, singular: str, plural: str = "") -> str:
    """Una cuenta con su sustantivo concordado: 1 evento, 2 eventos."""
    return f"{number(count)} {singular if count == 1 else plural or singular + 's'}"


def canonical(value: object) -> str:
    """El JSON canónico de kpt-workflow: claves ordenadas, sin espacios, texto UTF-8 sin escapar."""
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False)


def event_hash(record: dict) -> str:
    """El hash de un evento: SHA-256 del JSON canónico de todo lo que registra, salvo su hash."""
    return hashlib.sha256(canonical({k: v for k, v in record.items() if k != "hash"}).encode("utf-8")).hexdigest()


def colombia(utc: str) -> str:
    try:
        moment = datetime.strptime(utc, "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=timezone.utc).astimezone(COLOMBIA)
    except (TypeError, ValueError):
        return str(utc)
    return f"{moment.day} de {MESES[moment.month - 1]} de {moment.year}, {moment:%H:%M} (hora de Colombia)"


class Verdict:
    """Lo probado (✓), lo alterado (✗) y lo íntegro que ninguna firma cubre (!)."""

    def __init__(self) -> None:
        self.lines: list[str] = []
        self.altered = 0
        self.unsigned = 0

    def ok(self, text: str) -> None:
        self.lines.append(f"✓ {text}")

    def bad(self, text: str) -> None:
        self.altered += 1
        self.lines.append(f"✗ {text}")

    def note(self, text: str, unsigned: bool = False) -> None:
        self.unsigned += unsigned
        self.lines.append(f"! {text}")


def read_members(bundle: zipfile.ZipFile, verdict: Verdict) -> dict:
    """Cada archivo del ZIP: sus bytes, o su SHA-256 si es un documento (leído por partes: un
    documento puede ser grande). zipfile comprueba además el CRC de cada uno."""
    members = {}
    for name in bundle.namelist():
        try:
            with bundle.open(name) as member:
                if name.startswith("documentos/"):
                    digest = hashlib.sha256()
                    for chunk in iter(lambda: member.read(1024 * 1024), b""):
                        digest.update(chunk)
                    members[name] = digest.hexdigest()
                else:
                    members[name] = member.read()
        except (zipfile.BadZipFile, zlib.error, EOFError, ValueError) as exc:
            verdict.bad(f"El archivo «{name}» está dañado o fue alterado dentro del ZIP ({exc}).")
    return members


def read_json(members: dict, name: str, verdict: Verdict):
    try:
        return json.loads(members[name].decode("utf-8"))
    except KeyError:
        verdict.bad(f"Falta «{name}» en el paquete.")
    except ValueError:
        verdict.bad(f"«{name}» no es JSON válido: fue alterado.")
    return None


def read_chain(members: dict, verdict: Verdict) -> list:
    records = []
    for number, line in enumerate(members.get("cadena.jsonl", b"").splitlines(), 1):
        try:
            record = json.loads(line.decode("utf-8"))
        except ValueError:
            verdict.bad(f"La línea {number} de cadena.jsonl no es JSON válido: fue alterada.")
            continue
        if not isinstance(record, dict) or not isinstance(record.get("seq"), int):
            verdict.bad(f"La línea {number} de cadena.jsonl no es un evento: fue alterada.")
            continue
        records.append(record)
    if not records:
        verdict.bad("cadena.jsonl no trae eventos.")
    return records


def describe(record: dict, labels: dict) -> str:
    """El evento como lo lee una persona: su frase de la historia del plan (de paquete.json, que solo
    sirve para nombrarlo), o el plan al que pertenece."""
    said = labels.get(str(record["seq"]))
    return f"El evento n.º {number(record['seq'])} ({said})" if said else \
        f"El evento n.º {number(record['seq'])} (del plan {record.get('plan_id')})"


def check_links(records: list, labels: dict, verdict: Verdict) -> None:
    """Cada evento da su hash y enlaza con el anterior (por el hash que este declara, para nombrar el
    primer eslabón que no cuadra y no los siguientes)."""
    before, altered = None, verdict.altered
    for record in records:
        seq, what = record["seq"], describe(record, labels)
        if event_hash(record) != record.get("hash"):
            verdict.bad(f"{what} fue alterado: su contenido no da el hash SHA-256 que registra.")
        if before is not None and seq != before["seq"] + 1:
            verdict.bad(f"Falta el evento n.º {number(before['seq'] + 1)}: cadena.jsonl salta del n.º "
                        f"{number(before['seq'])} al {number(seq)}.")
        elif before is not None and record.get("prev_hash") != before.get("hash"):
            verdict.bad(f"{what} no enlaza con el n.º {number(before['seq'])}: ese evento fue alterado o reemplazado.")
        before = record
    if verdict.altered == altered:
        verdict.ok(f"Cadena: {amount(len(records), 'evento')}, del n.º {number(records[0]['seq'])} al "
                   f"{number(records[-1]['seq'])}; cada uno da su "
                   "hash SHA-256 y enlaza con el anterior.")


def check_plan(records: list, manifest: dict, verdict: Verdict) -> list:
    """Los eventos del plan: el primero de la cadena lo crea y sus versiones van de 1 en 1."""
    plan_id = records[0].get("plan_id")
    if manifest.get("plan", {}).get("id") != plan_id:
        verdict.bad(f"paquete.json fue alterado: nombra el plan {manifest.get('plan', {}).get('id')}, pero la cadena "
                    f"empieza con el plan {plan_id}.")
    own = [r for r in records if r.get("plan_id") == plan_id]
    versions = [r.get("plan_version") for r in own]
    if versions != list(range(1, len(own) + 1)):
        missing = sorted(set(range(1, max([v for v in versions if isinstance(v, int)] or [0]) + 1)) - set(versions))
        verdict.bad(f"Faltan o sobran eventos del plan {plan_id}: sus versiones no van de 1 en 1 "
                    f"(faltan: {', '.join(map(str, missing)) or 'ninguna'}).")
    return own


def check_documents(own: list, manifest: dict, members: dict, verdict: Verdict) -> None:
    """Cada archivo de documentos/ contra el SHA-256 que registró su evento (no contra paquete.json,
    que nadie firma: solo dice qué archivo viene de qué evento)."""
    filed = {r["seq"]: r["payload"] for r in own if r.get("event_type") == "document_filed"
             and isinstance(r.get("payload"), dict) and r["payload"].get("sha256")}
    listed, names = set(), {e.get("tipo"): e.get("nombre") for e in manifest.get("documentos", [])}
    for entry in manifest.get("documentos", []):
        name, seq = entry.get("archivo"), entry.get("evento")
        listed.add(name)
        payload = filed.pop(seq, None)
        which = f"«{entry.get('nombre') or (payload or {}).get('doc_type')}», versión {(payload or {}).get('version')}"
        if payload is None or not str(name).startswith("documentos/"):
            verdict.bad(f"paquete.json fue alterado: dice que «{name}» lo radicó el evento n.º {number(seq)}, que no radicó "
                        "ningún archivo del plan.")
        elif name not in members:
            verdict.bad(f"Falta «{name}» ({which}), radicado en el evento n.º {number(seq)}.")
        elif members[name] == payload["sha256"]:
            verdict.ok(f"{name} ({which}): SHA-256 {payload['sha256']}, el que registró el evento n.º {number(seq)}.")
        else:
            verdict.bad(f"El documento «{name}» ({which}) fue alterado: su SHA-256 es {members[name]}, pero el "
                        f"evento n.º {number(seq)} registró {payload['sha256']}.")
    for seq, payload in filed.items():
        name = names.get(payload.get("doc_type")) or payload.get("doc_type")
        verdict.bad(f"Falta el archivo radicado en el evento n.º {number(seq)} («{name}», versión "
                    f"{payload.get('version')}).")
    for name in sorted(n for n in members if n.startswith("documentos/") and n not in listed):
        verdict.bad(f"«{name}» no corresponde a ningún documento radicado: fue agregado.")


def public_key(checkpoint: dict, own_key: str | None, verdict: Verdict):
    try:
        pem = open(own_key, "rb").read() if own_key else checkpoint["public_key"].encode("ascii")
        key = serialization.load_pem_public_key(pem)
    except (OSError, KeyError, AttributeError, ValueError, UnicodeError) as exc:
        verdict.bad(f"La llave pública {'«' + own_key + '»' if own_key else 'del punto de control'} no se puede "
                    f"leer ({exc}).")
        return None
    if not isinstance(key, Ed25519PublicKey):
        verdict.bad("La llave pública del punto de control no es Ed25519.")
        return None
    raw = key.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
    if hashlib.sha256(raw).hexdigest()[:16] != checkpoint.get("key_id"):
        verdict.bad(f"La llave pública no es la que firmó el punto de control (id {checkpoint.get('key_id')}).")
        return None
    where = f"la de «{own_key}»" if own_key else "la incluida en el paquete: compárela con la que publica quien firma"
    verdict.ok(f"Llave pública Ed25519 id {checkpoint['key_id']} (SHA-256 {hashlib.sha256(raw).hexdigest()}), {where}.")
    return key


def check_signed(records: list, own: list, checkpoint, own_key: str | None, verdict: Verdict) -> None:
    """La firma del punto de control, y que la cadena del paquete llega a su cabeza."""
    if checkpoint is None:
        verdict.note("El paquete no trae punto de control firmado: la cadena está completa en sí misma, pero nada "
                     "prueba que sea la cadena firmada (pida uno con `kpt audit checkpoint`).", unsigned=True)
        return
    key = public_key(checkpoint, own_key, verdict)
    signed = {name: checkpoint.get(name) for name in ("size", "head", "time", "key_id")}
    try:
        if key is not None:
            key.verify(base64.b64decode(checkpoint.get("signature", ""), validate=True), canonical(signed).encode())
    except (InvalidSignature, ValueError, TypeError):
        verdict.bad("El punto de control fue alterado: su firma Ed25519 no corresponde a su contenido.")
        return
    size, when = checkpoint.get("size"), colombia(checkpoint.get("time"))
    head = next((r for r in records if r["seq"] == size), None)
    if isinstance(size, int) and size < records[0]["seq"]:
        verdict.note(f"El punto de control del {when} firma la cadena hasta el evento n.º {number(size)}, anterior al plan: "
                     "no cubre ninguno de sus eventos.", unsigned=True)
        return
    if head is None or head.get("hash") != checkpoint.get("head"):
        verdict.bad(f"La cadena del paquete no llega a la cabeza que firmó el punto de control del {when} (evento "
                    f"n.º {number(size)}, hash {checkpoint.get('head')}): se alteró o se recortó.")
        return
    verdict.ok(f"Punto de control firmado el {when}: la cadena llega a su cabeza, el evento n.º {number(size)}.")
    later = [r["seq"] for r in own if r["seq"] > size]
    if later:
        verdict.note(f"Después del punto de control: {amount(len(later), 'evento')} del plan, desde el n.º "
                     f"{number(later[0])}: encadenados e íntegros, pero ninguna firma los cubre todavía.", unsigned=True)


def verify(path: str, own_key: str | None = None) -> tuple[int, list]:
    verdict = Verdict()
    try:
        bundle = zipfile.ZipFile(path)
    except (OSError, zipfile.BadZipFile) as exc:
        return 1, [f"✗ No se pudo abrir «{path}» como ZIP ({exc}): el paquete está dañado o no es un paquete."]
    with bundle:
        members = read_members(bundle, verdict)
    manifest = read_json(members, "paquete.json", verdict) or {}
    records = read_chain(members, verdict)
    checkpoint = read_json(members, "punto_de_control.json", verdict) if "punto_de_control.json" in members else None
    if records:
        check_links(records, manifest.get("eventos") or {}, verdict)
        own = check_plan(records, manifest, verdict)
        check_documents(own, manifest, members, verdict)
        check_signed(records, own, checkpoint, own_key, verdict)
        verdict.lines.insert(0, f"Plan {records[0].get('plan_id')}: {amount(len(own), 'evento')} del plan en la cadena, "
                                f"del n.º {number(records[0]['seq'])} al {number(records[-1]['seq'])}.")
    if manifest.get("datos_sinteticos"):
        verdict.lines.insert(0, "Datos SINTÉTICOS de demostración: ningún documento, fecha ni valor es de una entidad real.")
    verdict.note("informe.pdf se hizo al armar el paquete: ninguna firma lo cubre; cotéjelo con los eventos y documentos.")
    if verdict.altered:
        return 1, [*verdict.lines, f"RESULTADO: paquete ALTERADO; {amount(verdict.altered, 'problema')}, cada uno con ✗."]
    if verdict.unsigned:
        return 2, [*verdict.lines, "RESULTADO: íntegro, pero no todo está cubierto por un punto de control firmado (!)."]
    return 0, [*verdict.lines, "RESULTADO: íntegro. Nada fue alterado y los eventos del plan están en la cadena firmada."]


def main(argv: list) -> int:
    parser = argparse.ArgumentParser(description="Verifica sin conexión un paquete de evidencia de kpt-workflow.")
    parser.add_argument("paquete", help="el archivo ZIP (kpt plan bundle, o la descarga del informe)")
    parser.add_argument("--llave-publica", help="una llave pública Ed25519 (PEM) obtenida por su cuenta, en lugar "
                                                "de la incluida en el paquete")
    arguments = parser.parse_args(argv)
    code, lines = verify(arguments.paquete, arguments.llave_publica)
    if hasattr(sys.stdout, "reconfigure"):
        sys.stdout.reconfigure(errors="replace")
    print("\n".join(lines))
    return code


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
