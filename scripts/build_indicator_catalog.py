"""Build the starter indicator catalog ``kpt_workflow/reference/data/indicadores_kpt_ilustrativo.csv``.

What it does
------------
The DNP's official indicator catalog (9-digit product-indicator codes with their units) is not
among the project's data. What the project ships is an illustrative copy of the MGA product catalog,
``kpt_workflow/reference/data/mga_productos.csv`` (sector 2 digits -> programa 4 -> producto 7, with names).
This script derives from it a small, curated battery of indicators that a territorial development
plan (PDT) can use until the official file is imported:

* product indicators (``tipo`` = ``producto``): each is attached to a real 7-digit MGA product; the
  script refuses to run if the product is not in ``mga_productos.csv``. Sector, program and product
  names are copied from that file, never typed here. The code is the product code plus a curated
  2-digit suffix (9 digits, the shape of the DNP's codes, but NOT the DNP's codes);
* outcome indicators (``tipo`` = ``resultado``): well-known sector outcome indicators of Colombian
  PDTs, attached to a real MGA program (names copied from the file), with empty product columns and
  the code ``R`` + 4-digit program code + a curated 2-digit suffix (e.g. ``R220101``).

Indicator names, units, sources and the 2-digit suffixes are the curated data in ``CURATED`` below.
Suffixes are written out (not numbered by position) so that a code, once published, keeps meaning
the same indicator when the list grows. Every row has ``oficial`` = ``no``.

The script also checks that the programs the law makes mandatory (education, health, water and
sanitation, childhood and adolescence, victims, risk management, environment, transport) each have
at least one outcome and two product indicators, and that every program in the catalog has both
kinds. Any failed check stops the script with a message and exit status 1, writing nothing.

The output is sorted by ``codigo``, UTF-8 without BOM, ``\\n`` line endings, so that running the
script twice gives identical bytes. Python 3.11, standard library only.

How to run
----------
From the repository root::

    python scripts/build_indicator_catalog.py

It prints the number of rows written. Replace the output by importing the official DNP file when
it is available; do not edit the CSV by hand, edit ``CURATED`` and re-run.
"""

from __future__ import annotations

import csv
import io
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DATA_DIR = ROOT / "kpt_workflow" / "data"
MGA_PRODUCTS = DATA_DIR / "mga_productos.csv"
OUTPUT = DATA_DIR / "indicadores_kpt_ilustrativo.csv"

COLUMNS = ("codigo", "tipo", "codigo_sector", "sector", "codigo_programa", "programa",
           "codigo_producto", "producto", "nombre", "unidad", "fuente", "oficial")

UNITS = {"Número", "Porcentaje", "Kilómetros", "Hectáreas", "Tasa por 1.000", "Tasa por 100.000", "Puntos"}

# Programs that every PDT must cover (mandatory sectors), each needing >= 1 outcome and >= 2 products here.
REQUIRED_PROGRAMS = {
    "2201": "educación",
    "1901": "salud",
    "4003": "agua potable y saneamiento básico",
    "4102": "infancia y adolescencia",
    "4101": "víctimas",
    "4503": "gestión del riesgo de desastres",
    "3202": "ambiente",
    "2402": "transporte (red vial regional)",
}

R = "resultado"
P = "producto"
ET = "Entidad territorial"

# (tipo, MGA code: 7-digit product for "producto" / 4-digit program for "resultado",
#  2-digit suffix, nombre, unidad, fuente)
CURATED: list[tuple[str, str, str, str, str, str]] = [
    # --- 22 Educación: 2201 Calidad, cobertura y fortalecimiento de la educación inicial, preescolar, básica y media
    (R, "2201", "01", "Tasa de cobertura neta en educación media", "Porcentaje", "MEN - SIMAT"),
    (R, "2201", "02", "Tasa de cobertura neta en educación básica secundaria", "Porcentaje", "MEN - SIMAT"),
    (R, "2201", "03", "Tasa de deserción intra-anual en educación preescolar, básica y media", "Porcentaje", "MEN - SIMAT"),
    (R, "2201", "04", "Puntaje promedio en las pruebas Saber 11", "Puntos", "ICFES"),
    (P, "2201051", "01", "Sedes educativas construidas", "Número", ET),
    (P, "2201052", "01", "Sedes educativas mejoradas", "Número", ET),
    (P, "2201028", "01", "Estudiantes beneficiados con el Programa de Alimentación Escolar (PAE)", "Número", "MEN - SIMAT"),
    (P, "2201029", "01", "Estudiantes beneficiados con transporte escolar", "Número", "MEN - SIMAT"),
    (P, "2201032", "01", "Personas alfabetizadas", "Número", ET),
    # --- 19 Salud y protección social
    (R, "1901", "01", "Tasa de mortalidad infantil en menores de 1 año (por 1.000 nacidos vivos)", "Tasa por 1.000",
     "DANE - Estadísticas Vitales"),
    (R, "1901", "02", "Razón de mortalidad materna (por 100.000 nacidos vivos)", "Tasa por 100.000",
     "DANE - Estadísticas Vitales"),
    (R, "1901", "03", "Cobertura de vacunación con DPT (tercera dosis) en menores de 1 año", "Porcentaje", "MinSalud - PAI"),
    (R, "1901", "04", "Tasa específica de fecundidad en mujeres de 15 a 19 años (por 1.000)", "Tasa por 1.000",
     "DANE - Estadísticas Vitales"),
    (P, "1901124", "01", "Campañas de gestión del riesgo para enfermedades inmunoprevenibles implementadas", "Número", ET),
    (P, "1901120", "01", "Campañas de gestión del riesgo en salud sexual y reproductiva implementadas", "Número", ET),
    (P, "1901128", "01", "Campañas de promoción de la salud mental y la convivencia realizadas", "Número", ET),
    (P, "1901103", "01", "Sedes de prestación de servicios de salud de nivel 1 adecuadas", "Número", ET),
    (R, "1902", "01", "Cobertura de afiliación al Sistema General de Seguridad Social en Salud", "Porcentaje",
     "MinSalud - BDUA"),
    (P, "1902019", "01", "Personas afiliadas al régimen subsidiado", "Número", "MinSalud - BDUA"),
    # --- 40 Vivienda, ciudad y territorio: 4003 Agua potable y saneamiento básico
    (R, "4003", "01", "Cobertura de acueducto", "Porcentaje", "SUI - Superservicios"),
    (R, "4003", "02", "Cobertura de alcantarillado", "Porcentaje", "SUI - Superservicios"),
    (R, "4003", "03", "Cobertura del servicio de aseo", "Porcentaje", "SUI - Superservicios"),
    (P, "4003015", "01", "Acueductos construidos", "Número", ET),
    (P, "4003017", "01", "Acueductos optimizados", "Número", ET),
    (P, "4003018", "01", "Alcantarillados construidos", "Número", ET),
    (P, "4003044", "01", "Unidades sanitarias con saneamiento básico construidas", "Número", ET),
    (P, "4003022", "01", "Avance en la implementación del Plan de Gestión Integral de Residuos Sólidos (PGIRS)",
     "Porcentaje", ET),
    (P, "4003047", "01", "Usuarios beneficiados con subsidios al consumo de acueducto, alcantarillado y aseo", "Número", ET),
    # --- 41 Inclusión social: 4102 Desarrollo integral de niñas, niños, adolescentes y sus familias
    (R, "4102", "01", "Tasa de violencia contra niños, niñas y adolescentes (por 100.000)", "Tasa por 100.000",
     "Medicina Legal - INMLCF"),
    (R, "4102", "02", "Niños y niñas de primera infancia con atención integral", "Porcentaje", "ICBF - Cuéntame"),
    (P, "4102001", "01", "Niños y niñas atendidos en servicios integrales", "Número", "ICBF - Cuéntame"),
    (P, "4102004", "01", "Centros de desarrollo infantil construidos", "Número", ET),
    (P, "4102022", "01", "Campañas de promoción de los derechos de niños, niñas y adolescentes realizadas", "Número", ET),
    (P, "4102037", "01", "Niños, niñas y adolescentes atendidos con medidas de restablecimiento de derechos", "Número",
     "ICBF - SIM"),
    # --- 41 Inclusión social: 4101 Atención, asistencia y reparación integral a las víctimas
    (R, "4101", "01", "Víctimas que han superado la situación de vulnerabilidad", "Porcentaje",
     "Unidad para las Víctimas - RUV"),
    (P, "4101025", "01", "Personas víctimas con ayuda humanitaria inmediata", "Número", ET),
    (P, "4101023", "01", "Víctimas orientadas en puntos de atención", "Número", ET),
    (P, "4101038", "01", "Mesas de participación de víctimas apoyadas", "Número", ET),
    (P, "4101039", "01", "Hogares retornados o reubicados con acompañamiento", "Número", ET),
    # --- 45 Gobierno territorial: 4503 Gestión del riesgo de desastres y emergencias
    (R, "4503", "01", "Personas afectadas por desastres", "Número", "UNGRD"),
    (P, "4503004", "01", "Emergencias y desastres atendidos", "Número", ET),
    (P, "4503013", "01", "Cuerpos de bomberos fortalecidos", "Número", ET),
    (P, "4503017", "01", "Estudios de riesgo de desastres elaborados", "Número", ET),
    (P, "4503022", "01", "Obras de reducción del riesgo de desastres construidas", "Número", ET),
    (P, "4503002", "01", "Personas capacitadas en gestión del riesgo de desastres", "Número", ET),
    # --- 32 Ambiente: 3202 Conservación de la biodiversidad y sus servicios ecosistémicos
    (R, "3202", "01", "Áreas en proceso de restauración", "Hectáreas", "Autoridad ambiental regional (CAR)"),
    (R, "3202", "02", "Superficie de bosque natural deforestada", "Hectáreas", "IDEAM - SMByC"),
    (P, "3202006", "01", "Áreas reforestadas", "Hectáreas", ET),
    (P, "3202017", "01", "Áreas con esquemas de pago por servicios ambientales", "Hectáreas", ET),
    (P, "3202038", "01", "Plántulas producidas en viveros", "Número", ET),
    # --- 24 Transporte: 2402 Infraestructura red vial regional
    (R, "2402", "01", "Vías terciarias en buen estado", "Porcentaje", ET),
    (R, "2402", "02", "Vías urbanas en buen estado", "Porcentaje", ET),
    (P, "2402041", "01", "Kilómetros de vía terciaria mejorada", "Kilómetros", ET),
    (P, "2402112", "01", "Kilómetros de vía terciaria con mantenimiento periódico o rutinario", "Kilómetros", ET),
    (P, "2402042", "01", "Kilómetros de placa huella construida", "Kilómetros", ET),
    (P, "2402044", "01", "Puentes construidos en vía terciaria", "Número", ET),
    (P, "2402114", "01", "Kilómetros de vía urbana mejorada", "Kilómetros", ET),
    # --- 24 Transporte: 2409 Seguridad de transporte
    (R, "2409", "01", "Tasa de mortalidad por siniestros viales (por 100.000 habitantes)", "Tasa por 100.000",
     "ANSV - Observatorio Nacional de Seguridad Vial"),
    (P, "2409039", "01", "Kilómetros de vías con dispositivos de control y señalización", "Kilómetros", ET),
    (P, "2409022", "01", "Personas capacitadas en seguridad vial", "Número", ET),
    # --- 43 Deporte y recreación: 4301
    (R, "4301", "01", "Población que realiza actividad física, recreación o deporte", "Porcentaje", ET),
    (P, "4301007", "01", "Escuelas deportivas en funcionamiento", "Número", ET),
    (P, "4301037", "01", "Personas beneficiadas con programas de actividad física, recreación y deporte", "Número", ET),
    (P, "4301015", "01", "Canchas multifuncionales construidas y dotadas", "Número", ET),
    # --- 33 Cultura: 3301
    (R, "3301", "01", "Población que participa en actividades artísticas y culturales", "Porcentaje", ET),
    (P, "3301053", "01", "Eventos artísticos y culturales realizados", "Número", ET),
    (P, "3301087", "01", "Personas capacitadas en áreas artísticas y culturales", "Número", ET),
    (P, "3301085", "01", "Usuarios atendidos en bibliotecas públicas", "Número", ET),
    # --- 17 Agricultura y desarrollo rural: 1702 Inclusión productiva de pequeños productores rurales
    (R, "1702", "01", "Área sembrada en cultivos agrícolas", "Hectáreas",
     "UPRA - Evaluaciones Agropecuarias Municipales (EVA)"),
    (P, "1702010", "01", "Productores atendidos con asistencia técnica agropecuaria", "Número", ET),
    (P, "1702007", "01", "Proyectos productivos cofinanciados", "Número", ET),
    (P, "1702011", "01", "Asociaciones de productores fortalecidas", "Número", ET),
    # --- 45 Gobierno territorial: 4501 Convivencia y seguridad ciudadana
    (R, "4501", "01", "Tasa de homicidios (por 100.000 habitantes)", "Tasa por 100.000", "Policía Nacional - SIEDCO"),
    (P, "4501028", "01", "Cámaras de seguridad en funcionamiento", "Número", ET),
    (P, "4501027", "01", "Personas capacitadas en seguridad y convivencia ciudadana", "Número", ET),
    # --- 45 Gobierno territorial: 4599 Gestión y dirección de la administración pública territorial
    (R, "4599", "01", "Índice de Desempeño Institucional (FURAG)", "Puntos", "Función Pública - FURAG"),
    (P, "4599023", "01", "Sistemas de gestión implementados", "Número", ET),
    (P, "4599017", "01", "Avance en la implementación del programa de gestión documental", "Porcentaje", ET),
]


class CatalogError(Exception):
    """A curated row does not match the MGA catalog or the catalog's own rules."""


def read_mga(path: Path) -> tuple[dict[str, dict[str, str]], dict[str, dict[str, str]]]:
    """Return (products by 7-digit code, programs by 4-digit code) from the MGA product catalog."""
    products: dict[str, dict[str, str]] = {}
    programs: dict[str, dict[str, str]] = {}
    with path.open(encoding="utf-8-sig", newline="") as handle:
        for row in csv.DictReader(handle):
            products[row["codigo_producto"]] = row
            programs.setdefault(row["codigo_programa"], row)
    if not products:
        raise CatalogError(f"{path}: no products read")
    return products, programs


def build_rows(products: dict[str, dict[str, str]], programs: dict[str, dict[str, str]]) -> list[dict[str, str]]:
    """Turn CURATED into catalog rows, checking every code against the MGA catalog."""
    rows: list[dict[str, str]] = []
    for number, (kind, mga_code, suffix, name, unit, source) in enumerate(CURATED, start=1):
        where = f"CURATED[{number - 1}] ({kind} {mga_code}{suffix} '{name}')"
        if not (len(suffix) == 2 and suffix.isdigit() and suffix != "00"):
            raise CatalogError(f"{where}: suffix must be two digits 01-99")
        if unit not in UNITS:
            raise CatalogError(f"{where}: unit '{unit}' not in {sorted(UNITS)}")
        if not name.strip() or not source.strip() or name != name.strip():
            raise CatalogError(f"{where}: empty or padded name/source")
        if kind == P:
            if not (len(mga_code) == 7 and mga_code.isdigit()):
                raise CatalogError(f"{where}: a product indicator needs a 7-digit MGA product code")
            mga = products.get(mga_code)
            if mga is None:
                raise CatalogError(f"{where}: MGA product {mga_code} is not in {MGA_PRODUCTS.name}")
            code, product_code, product_name = mga_code + suffix, mga_code, mga["producto"]
        elif kind == R:
            if not (len(mga_code) == 4 and mga_code.isdigit()):
                raise CatalogError(f"{where}: an outcome indicator needs a 4-digit MGA program code")
            mga = programs.get(mga_code)
            if mga is None:
                raise CatalogError(f"{where}: MGA program {mga_code} is not in {MGA_PRODUCTS.name}")
            code, product_code, product_name = "R" + mga_code + suffix, "", ""
        else:
            raise CatalogError(f"{where}: tipo must be '{P}' or '{R}'")
        rows.append({
            "codigo": code, "tipo": kind,
            "codigo_sector": mga["codigo_sector"], "sector": mga["sector"],
            "codigo_programa": mga["codigo_programa"], "programa": mga["programa"],
            "codigo_producto": product_code, "producto": product_name,
            "nombre": name, "unidad": unit, "fuente": source, "oficial": "no",
        })
    return rows


def check_rows(rows: list[dict[str, str]]) -> None:
    """Unique codes and names; every program has both kinds; mandatory programs are covered."""
    seen: set[str] = set()
    for row in rows:
        if row["codigo"] in seen:
            raise CatalogError(f"duplicate indicator code {row['codigo']}")
        seen.add(row["codigo"])
    names = [(row["codigo_programa"], row["nombre"]) for row in rows]
    repeated = sorted({n for n in names if names.count(n) > 1})
    if repeated:
        raise CatalogError(f"indicator names repeated within a program: {repeated}")
    counts: dict[str, dict[str, int]] = {}
    for row in rows:
        counts.setdefault(row["codigo_programa"], {R: 0, P: 0})[row["tipo"]] += 1
    for program, by_kind in sorted(counts.items()):
        if by_kind[R] < 1 or by_kind[P] < 1:
            raise CatalogError(f"program {program} needs at least one outcome and one product indicator: {by_kind}")
    for program, label in REQUIRED_PROGRAMS.items():
        by_kind = counts.get(program, {R: 0, P: 0})
        if by_kind[R] < 1 or by_kind[P] < 2:
            raise CatalogError(f"mandatory program {program} ({label}) needs >= 1 outcome and >= 2 product indicators: "
                               f"{by_kind}")


def render(rows: list[dict[str, str]]) -> bytes:
    """CSV text sorted by code, '\\n' line endings, UTF-8 without BOM."""
    buffer = io.StringIO(newline="")
    writer = csv.DictWriter(buffer, fieldnames=COLUMNS, lineterminator="\n")
    writer.writeheader()
    writer.writerows(sorted(rows, key=lambda row: row["codigo"]))
    return buffer.getvalue().encode("utf-8")


def main() -> int:
    try:
        products, programs = read_mga(MGA_PRODUCTS)
        rows = build_rows(products, programs)
        check_rows(rows)
    except (CatalogError, OSError, KeyError) as error:
        print(f"build_indicator_catalog: {error}", file=sys.stderr)
        return 1
    OUTPUT.write_bytes(render(rows))
    outcomes = sum(row["tipo"] == R for row in rows)
    print(f"{OUTPUT.relative_to(ROOT)}: {len(rows)} indicators ({outcomes} resultado, {len(rows) - outcomes} producto)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
