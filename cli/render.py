"""Plain-text views for the terminal, from the same dicts the --json output prints."""

from typing import Any

from kpt_workflow.base.figures import amount, number
from kpt_workflow.law.calendar import period_years, table_date
from kpt_workflow.services.labels import time_view


def render_status(status: dict[str, Any]) -> str:
    entity = status["entity"]
    lines = [
        f"Plan {status['id']} — {entity['name']} ({entity['code']}), período {status['period']}",
        f"Estado: {status['state_label']} desde {table_date(status['state_entered_on'])} · versión {status['version']} · "
        f"definición {status['definition']['name']} v{status['definition']['version']}",
        *filter(None, [time_view(status)]),
        "",
    ]
    if status["terminal"]:
        lines.append("Trámite terminado: no hay más pasos.")
    by_whom: dict[str, list[dict[str, Any]]] = {}
    for step in status["next"]:
        by_whom.setdefault(step["by_label"], []).append(step)
    for who, steps in by_whom.items():  # the planning office's steps apart from the council's
        lines.append(f"Próximos pasos a cargo de: {who}")
        for step in steps:
            mark = "todo cumplido, puede intentarse" if step["allowed"] else "bloqueado"
            lines.append(f"  «{step['label']}» → {step['to_label']}: {mark}")
            for outcome in step["checklist"]:
                lines.append(f"    {'✓' if outcome['passed'] else '✗'} {outcome['message']}")
                if not outcome["passed"]:
                    lines.append(f"        → {outcome['remedy']}  [{outcome['basis']}]")
    lines += ["", "Documentos (versión vigente):"]
    lines += [f"  - {d['label']}: v{d['version']}, {d['status_label']}"
              + (f", fecha legal {table_date(d['legal_date'])}" if d["legal_date"] else "")
              + (f", n.º {d['number']}" if d["number"] else "") for d in status["documents"]] or ["  Ninguno aún."]
    lines += ["", f"Plazos legales (contados al {table_date(status['today'])}):"]
    for d in status["deadlines"]:
        when = d["reading"] if d["date"] is None else f"{table_date(d['date'])} · {d['situation']}"
        lines.append(f"  - {d['label']}: {when}  [{d['basis']}]")
    return "\n".join(lines)


def render_decision(result: dict[str, Any]) -> str:
    """A step applied (`kpt plan advance`) or a council decision recorded (`kpt plan decide`): the
    step, where the plan went, and what it stood on (the decision's act and texts, the legal
    grounds), in words."""
    done = "Decisión registrada" if result.get("decision") else "Paso aplicado"
    lines = [f"{done}: «{result['label']}». El plan pasó de «{result['from_label']}» a "
             f"«{result['to_label']}» el {table_date(result['legal_date'])} (versión {result['version']})."]
    return "\n".join(lines + [f"  - {line}" for line in result["basis"]])


def render_history(entries: list[dict[str, Any]]) -> str:
    """A plan's history as its page reads it: Colombia time, the legal date, who, a sentence, and
    what a refused step lacked."""
    lines = []
    for e in entries:
        lines.append(f"#{e['seq']} {e['recorded']} (fecha legal {table_date(e['legal_date'])}) {e['actor']}: {e['text']}")
        lines += [f"    ✗ {failed}" for failed in e["failed"]]
    return "\n".join(lines)


def render_plan_list(rows: list[dict[str, Any]]) -> str:
    if not rows:
        return "No hay planes que coincidan."
    return "\n".join(f"{r['id']}  {r['entity_name']} ({r['kind']})  {r['state']}  v{r['version']}" for r in rows)


def render_workflows(rows: list[dict[str, Any]]) -> str:
    return "\n".join(f"{r['name']} v{r['version']}{' (predeterminado)' if r['default'] else ''}"
                     f"{'' if r['newest'] else ' (versión anterior)'} — {r['title']} [{r['file']}]\n"
                     f"  estados: {' → '.join(s['label'] for s in r['states'])}" for r in rows)


def render_report(report: dict[str, Any]) -> str:
    """The bottleneck report in a terminal: the figures of the dashboard, without its plan table
    (--json has one row per plan)."""
    filters = report["filters"]
    scope = (f"departamento {filters['department_code']}" if filters["department_code"] else "todo el país") + \
        (f", categoría {filters['category']}" if filters["category"] else "")
    lines = [f"Cuellos de botella al {filters['as_of']} — {scope}: {amount(report['plans'], 'plan', 'planes')} de "
             f"{amount(report['planning_entities'], 'entidad', 'entidades')} que formulan plan (flujo {filters['workflow']}, período "
             f"{period_years(filters['period'])})."]
    if report["synthetic"]:
        lines.append("Datos SINTÉTICOS de demostración: ningún documento, fecha ni valor es de una entidad real.")
    lines += ["", "Planes por estado:"] + [f"  {s['label']}: {number(s['count'])}" for s in report["plans_by_state"]]
    lines += ["", "Días en cada estado (mediana / percentil 90, planes que pasaron por él):"]
    lines += [f"  {s['label']}: {number(s['median_days'])} / {number(s['p90_days'])} ({number(s['plans'])})"
              for s in report["dwell_by_state"]]
    lines += ["", "Plazos legales vencidos (planes: sin cumplir + cumplidos tarde):"]
    lines += [f"  {d['label']} (a cargo: {d['duty_of_label']}): {number(d['late_plans'])} "
              f"({number(d['late_unmet'])} + {number(d['late_met'])})"
              f"  [{d['basis']}]" for d in report["past_deadlines"]]
    lines += ["", "Requisitos que más bloquean (intentos rechazados, planes):"]
    lines += [f"  {r['label']}: {number(r['blocked_attempts'])}, {number(r['plans'])}  [{r['basis']}]"
              for r in report["top_blocking_rules"]] or ["  Ningún intento rechazado."]
    open_states = [(s["state"], s["label"]) for s in report["dwell_by_state"]]  # the non-terminal ones
    for title, groups in (("Por departamento", report["by_department"]), ("Por categoría", report["by_category"])):
        lines += ["", f"{title} (planes; los que siguen en trámite, por estado):"]
        for g in groups:
            name = g["name"] or "Sin categoría registrada"
            open_plans = ", ".join(f"{label} {number(g['by_state'][state])}" for state, label in open_states
                                   if g["by_state"].get(state))
            if g["name"] != g["code"]:  # a department: its name and its code
                name = f"{name} ({g['code']})"
            lines.append(f"  {name}: {number(g['plans'])}" + (f" — {open_plans}" if open_plans else ""))
    return "\n".join(lines)
