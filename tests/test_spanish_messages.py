"""Every message template in Spanish reads right: no "a el" or "de el" (the law writes "al" and
"del"), no council placeholder after "a" or "de" (it brings its own article: "a el concejo"), and
no count written straight before a plural noun (1 ejes, 1 días): counts go through
`kpt_workflow.base.figures.amount`, which agrees the noun with the number (or the line says its
singular itself, with an `== 1` branch). The scan reads the
sources of the engine, the faces, the templates and the YAML the labels come from."""

import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
SOURCES = sorted(path for folder in ("kpt_workflow", "api", "cli", "templates") for pattern in ("*.py", "*.html", "*.yaml")
                 for path in (ROOT / folder).rglob(pattern) if "migrations" not in path.parts)
NOUNS = ("ejes|programas|metas|documentos|formatos|planes|días|entidades|versiones|intentos|reglas|actos|"
         "municipios|departamentos|eventos|archivos|usuarios|sesiones|filas|páginas")
SLIPS = {
    "«a el» o «de el» (se escribe «al», «del»)": re.compile(r"\b[AaDd]e? el\b(?! (?:mismo|cual)\b)"),
    "la corporación después de «a» o «de» (trae su artículo: «a el concejo»)":
        re.compile(r"\b(?:a|de) \{+[^{}]*\bla_corporacion\b"),
}
PLURAL = SLIPS["un número justo antes de un sustantivo en plural (use figures.amount)"] = \
    re.compile(r"\{+(?!\s*amount\()[^{}]*\}+ (?:" + NOUNS + r")\b")


@pytest.mark.parametrize("path", SOURCES, ids=lambda p: str(p.relative_to(ROOT)))
def test_message_templates_read_right(path: Path) -> None:
    found = [f"{path.relative_to(ROOT)}:{n}: {what}: {line.strip()}"
             for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1)
             for what, slip in SLIPS.items() if slip.search(line) and not (slip is PLURAL and "== 1" in line)]
    assert not found, "\n".join(found)


@pytest.mark.parametrize("count, singular, plural, shown", [
    (1, "eje", None, "1 eje"), (2, "eje", None, "2 ejes"), (0, "meta", None, "0 metas"),
    (1134, "entidad", "entidades", "1.134 entidades"), (1, "entidad", "entidades", "1 entidad"),
])
def test_amount_agrees_the_noun_with_the_number(count: int, singular: str, plural: str | None, shown: str) -> None:
    from kpt_workflow.base.figures import amount
    assert amount(count, singular, plural) == shown
