"""A tidy SYNTHETIC 2024 cycle for one plan: the documents (legal dates and numbers), the parte
estratégica and investment plan, and the steps that bring it before its council. Tests, the
benchmarks and the demo build on it; nothing here is real data about any entity."""

from datetime import date


def minimal_pdf(text: str = "Documento sintetico de prueba") -> bytes:
    """A real one-page PDF (catalog, page tree, page, text, xref, trailer) with `text` (ASCII) on
    it: uploads are checked by parsing, so tests, benchmarks and the demo file one that parses.
    Built by hand rather than with fpdf2 so that it is byte-for-byte stable and costs no import."""
    escaped = text.replace("\\", "\\\\").replace("(", "\\(").replace(")", "\\)")
    stream = f"BT /F1 12 Tf 72 720 Td ({escaped}) Tj ET".encode("ascii")
    objects = [b"<< /Type /Catalog /Pages 2 0 R >>",
               b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
               b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents 4 0 R "
               b"/Resources << /Font << /F1 5 0 R >> >> >>",
               b"<< /Length %d >>\nstream\n%s\nendstream" % (len(stream), stream),
               b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>"]
    return pdf_of(objects)


def pdf_of(objects: list[bytes]) -> bytes:
    """A PDF file of `objects` (numbered from 1, the first the catalog), with its xref and trailer."""
    out, offsets = bytearray(b"%PDF-1.4\n"), []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += b"%d 0 obj\n%s\nendobj\n" % (number, body)
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    out += b"".join(b"%010d 00000 n \n" % offset for offset in offsets)
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (len(objects) + 1, xref)
    return bytes(out)


PDF = minimal_pdf()

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
