"""Plain-text views for the terminal, from the same dicts the --json output prints."""

from typing import Any


def render_status(status: dict[str, Any]) -> str:
    entity = status["entity"]
    lines = [
        f"Plan {status['id']} — {entity['name']} ({entity['code']}), período {status['period']}",
        f"Estado: {status['state_label']} desde {status['state_entered_on']} · versión {status['version']} · "
        f"definición {status['definition']['name']} v{status['definition']['version']}",
        "",
    ]
    if status["terminal"]:
        lines.append("Trámite terminado: no hay más pasos.")
    for step in status["next"]:
        mark = "PUEDE AVANZAR" if step["allowed"] else "BLOQUEADO"
        lines.append(f"Paso '{step['trigger']}' → {step['to']}: {mark}")
        for outcome in step["checklist"]:
            lines.append(f"  {'✓' if outcome['passed'] else '✗'} {outcome['message']}")
            if not outcome["passed"]:
                lines.append(f"      → {outcome['remedy']}  [{outcome['basis']}]")
    lines += ["", f"Plazos legales (contados al {status['today']}):"]
    for d in status["deadlines"]:
        if d["date"] is None:
            when = d["reading"]
        elif d["met_on"]:
            when = f"{d['date']} · cumplido el {d['met_on']}" + (" (tarde)" if d["late"] else "")
        elif d["days_left"] >= 0:
            when = f"{d['date']} · faltan {d['days_left']} días"
        else:
            when = f"{d['date']} · VENCIDO hace {-d['days_left']} días"
        lines.append(f"  - {d['label']}: {when}  [{d['basis']}]")
    return "\n".join(lines)


def render_events(events: list[dict[str, Any]]) -> str:
    lines = []
    for e in events:
        change = f" {e['from_state']} → {e['to_state']}" if e["from_state"] else ""
        lines.append(f"#{e['seq']} v{e['plan_version']} {e['recorded_at']} (fecha legal {e['legal_date']}) "
                     f"{e['actor']}: {e['event_type']} {e['action']}{change}")
        lines += [f"    ✗ {o['rule']}: {o['message']}" for o in e["outcomes"] if not o["passed"]]
    return "\n".join(lines)


def render_plan_list(rows: list[dict[str, Any]]) -> str:
    if not rows:
        return "No hay planes que coincidan."
    return "\n".join(f"{r['id']}  {r['entity_name']} ({r['kind']})  {r['state']}  v{r['version']}" for r in rows)
