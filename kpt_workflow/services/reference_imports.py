"""Reference data the DNP loads for everyone: further TerriData indicators (a long CSV), a newer
MGA catalog and the next PND's lines. Each import is all-or-nothing (a file is read whole, and
refused at its first bad line, before anything is written), is the DNP's or an administrator's to make, and is recorded
with who made it in the security log (a refused role too: `changes.checked`)."""

from dataclasses import asdict
from typing import Any

from kpt_workflow.audit import security_log
from kpt_workflow.base.figures import amount
from kpt_workflow.lifecycle.indicator_series import read_series
from kpt_workflow.reference import mga, pnd
from kpt_workflow.services.access import Actor, require_reference_importer
from kpt_workflow.services.changes import checked
from kpt_workflow.storage import mga_rows, pnd_rows, territory_rows
from kpt_workflow.storage.unit_of_work import UnitOfWork


def import_indicators(uow: UnitOfWork, actor: Actor, text: str, source: str) -> dict[str, Any]:
    """Load a long TerriData CSV (territory, indicator, year, value, unit, source): new values are
    added and known ones corrected; the diagnosis shows every indicator an entity has."""
    checked(uow, actor, "indicadores territoriales",
            lambda: require_reference_importer(actor, "importar indicadores territoriales"))
    values = read_series(text, source, territory_rows.known_territories(uow.connection))
    added, updated = territory_rows.add_series(uow.connection, values, replace=True)
    indicators = sorted({v.indicator for v in values})
    result = {"source": source, "values": len(values), "added": added, "updated": updated, "indicators": indicators,
              "territories": len({v.territory_code for v in values}),
              "years": sorted({v.year for v in values})}
    security_log.record(uow.connection, "indicadores_importados", actor.username,
                        detail=f"{source}: {amount(added, 'valor nuevo', 'valores nuevos')}, "
                               f"{amount(updated, 'corregido', 'corregidos')}; {', '.join(indicators)}")
    uow.commit(result)
    return result


def import_mga_catalog(uow: UnitOfWork, actor: Actor, text: str, source: str, *, apply: bool = True) -> dict[str, Any]:
    """Replace the MGA catalog with a newer DNP file, saying what it adds, renames and removes and
    which plans use a program or product it renames or removes (their goals keep the names they
    recorded). `apply=False`: the same answer, nothing written (a preview)."""
    checked(uow, actor, "catálogo MGA", lambda: require_reference_importer(actor, "reemplazar el catálogo MGA"))
    new = mga.read_products(text, source)
    diff = mga.catalog_diff(mga_rows.products(uow.connection), new)
    touched = [c for c in diff["renamed"] + diff["removed"] if c.level != "sector"]
    plans = mga_rows.plans_using(uow.connection, [c.code for c in touched if c.level == "programa"],
                                 [c.code for c in touched if c.level == "producto"])
    result = {"source": source, "applied": apply, "products": len(new),
              **{kind: [asdict(c) for c in changes] for kind, changes in diff.items()}, "plans_affected": plans}
    if apply:
        mga_rows.replace_catalog(uow.connection, new)
        counts = {kind: len(changes) for kind, changes in diff.items()}
        security_log.record(uow.connection, "catalogo_mga_importado", actor.username,
                            detail=f"{source}: {amount(len(new), 'producto')}; {amount(counts['added'], 'alta')}, "
                                   f"{amount(counts['renamed'], 'cambio')} de nombre, {amount(counts['removed'], 'baja')}; "
                                   f"{amount(len(plans), 'plan afectado', 'planes afectados')}")
        uow.commit(result)
    return result


def import_pnd_catalog(uow: UnitOfWork, actor: Actor, text: str, source: str, *, apply: bool = True) -> dict[str, Any]:
    """Replace the catalog of PND lines (the next PND's), saying which lines it adds and removes
    and which plans carry tags of a removed line (they keep them; their reports say the line is
    not in the catalog in force). `apply=False`: the same answer, nothing written."""
    checked(uow, actor, "catálogo del PND", lambda: require_reference_importer(actor, "reemplazar el catálogo del PND"))
    new = pnd.read_catalog(text, source)
    old = {line.code: line for line in pnd_rows.lines(uow.connection)}
    removed = [code for code in old if code not in {line.code for line in new}]
    result = {"source": source, "applied": apply, "plan": new[0].plan, "lines": [line.code for line in new],
              "added": [line.code for line in new if line.code not in old], "removed": removed,
              "plans_affected": pnd_rows.plans_using(uow.connection, removed)}
    if apply:
        pnd_rows.replace_catalog(uow.connection, new)
        security_log.record(uow.connection, "catalogo_pnd_importado", actor.username,
                            detail=f"{source}: {new[0].plan}; {amount(len(new), 'línea')}, "
                                   f"{amount(len(result['added']), 'alta')}, {amount(len(removed), 'baja')}")
        uow.commit(result)
    return result
