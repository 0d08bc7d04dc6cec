"""Plain text of the diagnosis, the associativity options and the products bank, from the same
dicts their --json prints."""

from typing import Any

from kpt_workflow.base.figures import amount, exact


def _compared(row: dict[str, Any], department: bool) -> str:
    parts = [f"departamento {exact(row.get('department'))}"] if department else []
    parts += [f"nación {exact(row.get('nation'))}"]
    if row.get("peers_median") is not None:
        parts.append(f"mediana de pares {exact(row['peers_median'])}")
    return "; ".join(parts)


def render_diagnosis(d: dict[str, Any]) -> str:
    entity, comparisons = d["entity"], d["comparisons"]
    department = comparisons["department"] is not None
    lines = [f"Diagnóstico de {entity['name']} ({entity['code']}) — {entity['kind_label']}, departamento "
             f"{entity['department_name']}. Año de referencia: {d['year']}."]
    peers = comparisons["peers"]
    lines.append(f"Pares: {peers['label']}." if peers else "Pares: sin categoría o tipología registradas.")
    population = d["population"]
    if population:
        lines += ["", f"Población {population['year']}: {exact(population['value'])} {population['unit']} "
                      f"({_compared(population, department)}). Fuente: {population['source']}."]
        for where, label in (("entity", "La entidad"), ("department", "El departamento"), ("nation", "La nación")):
            trend = population["trend"].get(where)
            if trend and trend["change_percent"] is not None:
                lines.append(f"  {label}: {exact(trend['change_percent'])} % de {trend['from']} a {trend['to']}.")
    lines += ["", "Indicadores (valor; comparaciones del mismo año):"]
    for row in d["indicators"]:
        if row["indicator"] == (population or {}).get("indicator"):
            continue
        lines.append(f"  {row['indicator']} ({row['year']}): {exact(row['value'])} {row['unit']} — "
                     f"{_compared(row, department)}. Fuente: {row['source']}.")
    categories = ", ".join(f"{c['year']}: {c['category']}" for c in d["categories"]["years"]) or "sin registro"
    lines += ["", f"Categoría por año ({d['categories']['basis']}): {categories}. Fuente: {d['categories']['source']}."]
    lines += ["", "Descripción (TerriData):"]
    for row in d["profile"]:
        value = exact(row["value"]) if row["field"] == "extension_km2" else (row["value"] or "—")
        extra = f" ({_compared(row, department)})" if row["field"] == "extension_km2" else (
            f" (departamento: {row['department']})" if department and row.get("department") else "")
        lines.append(f"  {row['label']}: {value}{extra}")
    lines.append(f"  Fuente: {d['profile'][0]['source']}.")
    return "\n".join(lines)


def render_associativity(a: dict[str, Any]) -> str:
    entity = a["entity"]
    lines = [f"Asociatividad de {entity['name']} ({entity['code']}), período {a['years']}."]
    if a["synthetic"]:
        lines.append("Los planes de esta base son SINTÉTICOS de demostración: los programas en común no son reales.")
    lines += ["", f"Vecinos a menos de {a['km']} km (distancia entre {a['seat']}):"]
    lines += [f"  {n['name']} ({n['code']}, {n['department_name']}): {exact(n['km'])} km" for n in a["neighbours"]] \
        or ["  Ninguno."]
    lines += ["", f"Subregión SGR: {a['subregion_sgr'] or 'sin subregión registrada'}. Entidades de la subregión y del "
                  f"departamento con programas en común con su plan:"]
    if not a["own_programs"]:
        lines.append("  La entidad aún no registra la parte estratégica de su plan de este período.")
    for other in a["shared"]:
        programs = "; ".join(f"{p['name']} ({p['code']}){'' if p['funded'] else ', sin recursos'}"
                             for p in other["programs"])
        lines.append(f"  {other['name']} ({other['code']}): {programs}")
    if a["own_programs"] and not a["shared"]:
        lines.append("  Ninguna.")
    lines += ["", "Esquemas asociativos que puede conformar:"]
    for scheme in a["schemes"]:
        lines += [f"  {scheme['nombre']} — {scheme['fundamento']}",
                  *(f"    · {requirement}" for requirement in scheme["requisitos"]),
                  f"    Se crea: {scheme['como_se_crea']}",
                  f"    Vecinos que cumplen la condición de distancia: {amount(len(scheme['candidates']), 'entidad', 'entidades')}"]
    return "\n".join(lines)


def render_search(result: dict[str, Any]) -> str:
    lines = [f"{amount(result['total'], 'producto')} para «{result['query']}»"
             + (f" (se muestran {result['shown']})" if result["shown"] < result["total"] else "") + ".",
             result["catalog_note"]]
    for p in result["products"]:
        lines.append(f"  {p['code']} {p['name']} — programa {p['program_code']} {p['program_name']}; sector "
                     f"{p['sector_name']}")
        lines += [f"      indicador {i['code']}: {i['name']} ({i['unit']})" for i in p["indicators"]]
    return "\n".join(lines)


def render_catalog_import(result: dict[str, Any]) -> str:
    verb = "Catálogo MGA reemplazado" if result["applied"] else "Simulación (nada se escribió)"
    lines = [f"{verb}: {result['source']}, {amount(result['products'], 'producto')}."]
    for kind, title in (("added", "Nuevos"), ("renamed", "Con otro nombre"), ("removed", "Retirados")):
        lines.append(f"{title}: {len(result[kind])}")
        lines += [f"  {c['level']} {c['code']}: " + (f"«{c['old_name']}» → «{c['name']}»" if c["old_name"] else c["name"])
                  for c in result[kind][:50]]
        lines += [f"  … y {len(result[kind]) - 50} más (--json los trae todos)"] if len(result[kind]) > 50 else []
    lines.append(f"Planes que usan un programa o producto renombrado o retirado: {len(result['plans_affected'])}")
    lines += [f"  {p['plan_id']} {p['entity_name']}: {', '.join(p['codes'])}" for p in result["plans_affected"]]
    return "\n".join(lines)
