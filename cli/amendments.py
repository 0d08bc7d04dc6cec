"""`kpt amendments …`: record and list the legal amendments of terms for plans in flight
(administration only)."""

from datetime import date
from typing import Annotated

import typer

from cli.common import ActorOpt, JsonOpt, acting, emit, engine, parse_date, parse_int
from kpt_workflow.base.errors import InvalidInput
from kpt_workflow.services.amendments import AmendmentRequest, list_amendments, record_amendment
from kpt_workflow.storage.unit_of_work import UnitOfWork

app = typer.Typer(help="Enmiendas legales de plazos para planes en curso (administración).", no_args_is_help=True)

@app.command("record")
def record(norma: Annotated[str, typer.Option("--norma", help="Norma que cambia el plazo (p. ej. 'Decreto Legislativo 683 de 2020').")],
           articulo: Annotated[str, typer.Option("--articulo", help="Artículo de la norma (p. ej. 'art. 1').")],
           fecha_norma: Annotated[str, typer.Option("--fecha-norma", help="Fecha de la norma (AAAA-MM-DD).")],
           plazo: Annotated[str, typer.Option("--plazo", help="Código del plazo de la definición que cambia (p. ej. decision_corporacion).")],
           periodo: Annotated[list[str], typer.Option("--periodo", help="Año de inicio del período al que aplica (repetible).")],
           vigente_desde: Annotated[str | None, typer.Option("--vigente-desde", help="Desde cuándo aplica (AAAA-MM-DD); por omisión, la fecha de la norma.")] = None,
           alcance: Annotated[str, typer.Option("--alcance", help="todas | departamento | categoria | entidades.")] = "todas",
           departamento: Annotated[list[str] | None, typer.Option("--departamento", help="Código del departamento (repetible; alcance departamento).")] = None,
           categoria: Annotated[list[str] | None, typer.Option("--categoria", help="Categoría (repetible; alcance categoria).")] = None,
           entidad: Annotated[list[str] | None, typer.Option("--entidad", help="Código DIVIPOLA (repetible; alcance entidades).")] = None,
           nueva_fecha: Annotated[str | None, typer.Option("--nueva-fecha", help="Nuevo último día del plazo (AAAA-MM-DD).")] = None,
           desde_acto: Annotated[str | None, typer.Option("--desde-acto", help="Tipo de documento desde cuya fecha legal corre el nuevo término.")] = None,
           meses: Annotated[str | None, typer.Option("--meses", help="Término en meses desde el acto.")] = None,
           dias_habiles: Annotated[str | None, typer.Option("--dias-habiles", help="Término en días hábiles desde el acto.")] = None,
           who: ActorOpt = None, as_json: JsonOpt = False) -> None:
    """Registra una enmienda legal de un plazo (auditada en su propia cadena); aplica a los planes que alcanza
    desde su vigencia."""
    by_scope = {"departamento": departamento, "categoria": categoria, "entidades": entidad}
    values = by_scope.get(alcance) or []
    if any(given for scope, given in by_scope.items() if given and scope != alcance):
        raise InvalidInput("Los valores del alcance van con su opción: --departamento con --alcance departamento, "
                           "--categoria con categoria, --entidad con entidades.", field="alcance")
    request = AmendmentRequest(
        norma=norma, articulo=articulo, fecha_norma=_date(fecha_norma, "fecha-norma"), plazo=plazo,
        periodos=tuple(parse_int(p, "periodo") or 0 for p in periodo), alcance=alcance, valores=tuple(values),
        vigente_desde=parse_date(vigente_desde, "vigente-desde"), nueva_fecha=parse_date(nueva_fecha, "nueva-fecha"),
        desde_acto=desde_acto, meses=parse_int(meses, "meses"), dias_habiles=parse_int(dias_habiles, "dias-habiles"))
    with UnitOfWork(engine(), write=True) as uow:
        recorded = record_amendment(uow, acting(uow.connection, who), request)
    emit(recorded, as_json, f"Enmienda {recorded['number']} registrada: {recorded['text']}.")


@app.command("list")
def list_(who: ActorOpt = None, as_json: JsonOpt = False) -> None:
    """Enmiendas legales registradas, en el orden en que se registraron."""
    with UnitOfWork(engine()) as uow:
        rows = list_amendments(uow, acting(uow.connection, who))
    emit(rows, as_json, "\n".join(f"{r['number']}. {r['text']}." for r in rows) or "Sin enmiendas registradas.")



def _date(text: str, field: str) -> date:
    found = parse_date(text, field)
    assert found is not None  # a required option
    return found
