"""`kpt entities diagnosis | associativity | import-indicators` and `kpt products search | import | add`:
the entity diagnosis, the associativity options and the programs and products bank."""

from decimal import Decimal
from pathlib import Path
from typing import Annotated

import typer

from cli.common import ActorOpt, FechaOpt, JsonOpt, VersionOpt, acting, emit, engine, parse_date, parse_int, read_text
from cli.reference import entities_app
from cli.territory_text import render_associativity, render_catalog_import, render_diagnosis, render_search
from kpt_workflow.base.errors import InvalidInput
from kpt_workflow.base.figures import amount
from kpt_workflow.law.bounds import BASELINE_YEARS, INDICATOR_VALUES, PLAN_YEARS, Whole
from kpt_workflow.services.associativity import DEFAULT_KM, MAX_KM, associativity
from kpt_workflow.services.diagnosis import diagnosis
from kpt_workflow.services.products import ProductGoal, add_product, search_products
from kpt_workflow.services.reference_imports import import_indicators, import_mga_catalog
from kpt_workflow.storage.unit_of_work import UnitOfWork

products_app = typer.Typer(help="Banco de programas y productos (catálogo MGA).", no_args_is_help=True)


@entities_app.command("diagnosis")
def entities_diagnosis(code: str, anio: Annotated[str | None, typer.Option(
        "--anio", help="Año de la población (por omisión, el primero del período de gobierno en curso).")] = None,
                       as_json: JsonOpt = False) -> None:
    """Diagnóstico de una entidad: población y su tendencia (DANE), IPM y NBI (CNPV 2018), categoría por año y
    descripción (TerriData), frente al departamento, la nación y la mediana de sus pares."""
    year = parse_int(anio, "anio", PLAN_YEARS)
    with UnitOfWork(engine()) as uow:
        result = diagnosis(uow, acting(uow.connection, None), code, year)
    emit(result, as_json, render_diagnosis(result))


@entities_app.command("associativity")
def entities_associativity(code: str, km: Annotated[str, typer.Option(
        "--km", help=f"Distancia máxima a los vecinos, en km (1 a {MAX_KM}).")] = str(DEFAULT_KM),
                           periodo: Annotated[str | None, typer.Option(
                               "--periodo", help="Año de inicio del período de los planes (por omisión, el vigente).")] = None,
                           as_json: JsonOpt = False) -> None:
    """Opciones de asociatividad: vecinos a N km, entidades de la subregión SGR y del departamento con programas
    en común, y los esquemas de la Ley 1454 de 2011 que puede conformar, con su fundamento y requisitos."""
    distance = parse_int(km, "km", Whole(1, MAX_KM, "una distancia en km"))
    with UnitOfWork(engine()) as uow:
        result = associativity(uow, acting(uow.connection, None), code, distance or DEFAULT_KM,
                               parse_int(periodo, "periodo", PLAN_YEARS))
    emit(result, as_json, render_associativity(result))


@entities_app.command("import-indicators")
def entities_import_indicators(path: Path, who: ActorOpt = None, as_json: JsonOpt = False) -> None:
    """Carga indicadores de TerriData en formato largo (entidad, indicador, año, valor, unidad, fuente): todo o
    nada; solo el DNP o la administración."""
    text = read_text(path)
    with UnitOfWork(engine(), write=True) as uow:
        result = import_indicators(uow, acting(uow.connection, who), text, path.name)
    emit(result, as_json, f"Indicadores cargados de {path.name}: {amount(result['values'], 'valor', 'valores')} de "
                          f"{amount(result['territories'], 'entidad', 'entidades')} ({amount(result['added'], 'nuevo')}, "
                          f"{amount(result['updated'], 'corregido')}); indicadores: {', '.join(result['indicators'])}.")


@products_app.command("search")
def products_search(words: Annotated[list[str], typer.Argument(help="Código o palabras (sin importar tildes ni mayúsculas).")],
                    limite: Annotated[str, typer.Option("--limite", help="Cuántos productos mostrar (1 a 500).")] = "50",
                    as_json: JsonOpt = False) -> None:
    """Busca productos del catálogo MGA por código o palabras; cada uno con su programa, su sector y los
    indicadores de la batería que lo miden."""
    limit = parse_int(limite, "limite", Whole(1, 500, "un número de productos"))
    with UnitOfWork(engine()) as uow:
        result = search_products(uow, acting(uow.connection, None), " ".join(words), limit or 50)
    emit(result, as_json, render_search(result))


@products_app.command("import")
def products_import(path: Path, simular: Annotated[bool, typer.Option(
        "--simular", help="Muestra las diferencias sin reemplazar el catálogo.")] = False,
                    who: ActorOpt = None, as_json: JsonOpt = False) -> None:
    """Reemplaza el catálogo MGA por un archivo más reciente del DNP (mismas columnas); dice qué se agregó,
    renombró y retiró y qué planes usan lo que cambió. Solo el DNP o la administración."""
    text = read_text(path)
    with UnitOfWork(engine(), write=True) as uow:
        result = import_mga_catalog(uow, acting(uow.connection, who), text, path.name, apply=not simular)
    emit(result, as_json, render_catalog_import(result))


def _decimal(text: str | None, field: str) -> Decimal | None:
    if text is None:
        return None
    try:
        return INDICATOR_VALUES(text)
    except ValueError as exc:
        raise InvalidInput(f"--{field}: {exc}.", field=field) from None


@products_app.command("add")
def products_add(plan_id: str, producto: str,
                 indicador: Annotated[str | None, typer.Option(help="Código del indicador (de la batería o propio).")] = None,
                 nombre: Annotated[str | None, typer.Option(help="Nombre del indicador propio.")] = None,
                 unidad: Annotated[str | None, typer.Option(help="Unidad del indicador propio.")] = None,
                 eje: Annotated[str | None, typer.Option(help="Eje donde agregar el programa, si el plan no lo tiene.")] = None,
                 linea_base: Annotated[str | None, typer.Option("--linea-base", help="Valor de la línea base.")] = None,
                 anio_base: Annotated[str | None, typer.Option("--anio-base", help="Año de la línea base.")] = None,
                 fuente_base: Annotated[str | None, typer.Option("--fuente-base", help="Fuente de la línea base.")] = None,
                 meta: Annotated[str | None, typer.Option(help="Meta del cuatrienio.")] = None,
                 fecha: FechaOpt = None, who: ActorOpt = None, version: VersionOpt = None,
                 as_json: JsonOpt = False) -> None:
    """Agrega un producto MGA y su indicador al programa del producto en la parte estratégica del plan (oficina
    de planeación de la entidad; queda en la historia del plan)."""
    goal = ProductGoal(product_code=producto, indicator=indicador, name=nombre, unit=unidad, eje=eje,
                       baseline_value=_decimal(linea_base, "linea-base"),
                       baseline_year=parse_int(anio_base, "anio-base", BASELINE_YEARS), baseline_source=fuente_base,
                       meta_cuatrienio=_decimal(meta, "meta"))
    with UnitOfWork(engine(), write=True) as uow:
        result = add_product(uow, plan_id=plan_id, goal=goal, actor=acting(uow.connection, who),
                             legal_date=parse_date(fecha), expected_version=parse_int(version, "version"))
    added = result["producto_agregado"]
    emit(result, as_json, f"Producto {added['codigo']} «{added['nombre']}» agregado al programa {added['programa']} "
                          f"«{added['programa_nombre']}» de {plan_id}, con el indicador {added['indicador']} "
                          f"«{added['indicador_nombre']}» (versión {result['plan_version']}).")
