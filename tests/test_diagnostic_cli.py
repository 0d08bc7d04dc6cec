"""`kpt plan diagnostic`: show it in words, write a section from a file as the office (refusals
in Spanish with a non-zero exit), render a DOCX that python-docx reads, and file it."""

import json

from docx import Document


def test_the_command_line_shows_edits_renders_and_files_the_diagnostic(engine, new_plan, kpt_on, tmp_path):
    url = engine.url.render_as_string(hide_password=False)
    plan_id = new_plan("05001")
    assert kpt_on(url, "user", "create", "ana", "--rol", "planeacion", "--entidad", "05001")[0] == 0
    assert kpt_on(url, "user", "create", "concejal", "--rol", "corporacion", "--entidad", "05001")[0] == 0
    code, said = kpt_on(url, "plan", "diagnostic", "show", plan_id)
    assert code == 0 and "== Agua potable y saneamiento básico ==" in said and "Población total: 2.616.335 personas (2024" in said
    assert "agua_saneamiento" not in said and "Competencia: Asegurar que se presten" in said
    text = tmp_path / "riesgo.txt"
    text.write_text("Inundaciones en la quebrada.\n\nFalta el plan municipal.", encoding="utf-8")
    code, said = kpt_on(url, "plan", "diagnostic", "edit", plan_id, "gestion_riesgo", str(text), "--as", "concejal")
    assert code == 1 and "Su rol (concejo o asamblea) no puede editar el diagnóstico" in said
    code, said = kpt_on(url, "plan", "diagnostic", "edit", plan_id, "gestion_riesgo", str(text), "--as", "ana",
                        "--version", "99")
    assert code == 1 and "plan_version_conflict" in said
    code, said = kpt_on(url, "plan", "diagnostic", "edit", plan_id, "gestion_riesgo", str(text), "--as", "ana")
    assert code == 0 and "Sección «Gestión del riesgo de desastres»" in said and "54 caracteres" in said
    out = tmp_path / "diagnostico.docx"
    code, said = kpt_on(url, "plan", "diagnostic", "render", plan_id, "--out", str(out))
    assert code == 0 and out.exists()
    assert "Inundaciones en la quebrada." in [p.text for p in Document(str(out)).paragraphs]
    code, said = kpt_on(url, "plan", "diagnostic", "render", plan_id, "--out", str(out), "--formato", "odt")
    assert code == 1 and "use docx o pdf" in said
    code, said = kpt_on(url, "plan", "diagnostic", "file", plan_id, "--as", "ana", "--fecha", "2024-02-10", "--json")
    assert code == 0 and json.loads(said)["doc_type"] == "diagnostico" and json.loads(said)["version"] == 1
