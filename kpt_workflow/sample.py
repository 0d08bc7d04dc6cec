"""A tidy SYNTHETIC 2024 cycle for one plan: the documents (legal dates and numbers), the parte
estratégica and investment plan, and the steps that bring it before its council. Tests, the
benchmarks and the demo build on it; nothing here is real data about any entity."""

from datetime import date

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"

DOCUMENTS_2024: dict[str, tuple[date, str | None]] = {
    **{f"formato_empalme_{n:02d}": (date(2023, 12, 15), None) for n in range(1, 11)},
    "acta_informe_gestion": (date(2024, 1, 10), None),
    "acto_equipo_formulador": (date(2024, 1, 5), "Decreto 012"),
    "programa_gobierno": (date(2023, 7, 28), None),
    "diagnostico": (date(2024, 2, 5), None),
    "diagnostico_infancia": (date(2024, 2, 5), None),
    "parte_estrategica": (date(2024, 2, 10), None),
    "plan_plurianual_inversiones": (date(2024, 2, 12), None),
    "acta_consejo_gobierno": (date(2024, 2, 20), "Acta 03"),
    "radicado_ctp": (date(2024, 2, 27), "CTP-2024-001"),
    "radicado_autoridad_ambiental": (date(2024, 2, 27), "CAR-2024-077"),
    "concepto_ctp": (date(2024, 3, 20), None),
    "concepto_autoridad_ambiental": (date(2024, 3, 22), None),
    "radicado_corporacion": (date(2024, 4, 25), "PA-045"),
}

# A small but complete parte estratégica (indicators of the illustrative battery) and its funding.
STRATEGIC_PART: dict[str, object] = {"ejes": [{"nombre": "Territorio que aprende", "programas": [
    {"codigo": "2201", "metas": [
        {"indicador": "R220101", "linea_base": {"valor": "45.2", "anio": 2023, "fuente": "MEN - SIMAT"},
         "meta_cuatrienio": "55"},
        {"indicador": "220102801", "linea_base": {"valor": "12000", "anio": 2023, "fuente": "MEN - SIMAT"},
         "meta_cuatrienio": "15000"}]},
    {"codigo": "4102", "metas": [
        {"indicador": "R410202", "linea_base": {"valor": "60", "anio": 2022, "fuente": "ICBF - Cuéntame"},
         "meta_cuatrienio": "75"},
        {"indicador": "410200101", "linea_base": {"valor": "3000", "anio": 2023, "fuente": "ICBF - Cuéntame"},
         "meta_cuatrienio": "4200"}]},
]}]}
INVESTMENT_PLAN: dict[str, object] = {"lineas": [
    {"programa": program, "anio": year, "fuente": "sgp", "valor": 1_500_000_000}
    for program in ("2201", "4102") for year in range(2024, 2028)]}
STRATEGY_DATES = (date(2024, 2, 10), date(2024, 2, 12))  # parte estratégica, plan plurianual

STEPS_2024: list[tuple[str, date]] = [("iniciar_construccion", date(2024, 1, 20)),
                                      ("radicar_ante_ctp", date(2024, 2, 27)),
                                      ("radicar_ante_corporacion", date(2024, 4, 25))]
