"""`kpt plan status` in plain text reads as people speak: step and state labels, not codes; the
planning office's next steps apart from the council's (in the entity's words); every current
document with its status and legal date; each term with where it stands."""

import re


def test_plain_status_of_a_plan_before_the_council(engine, plan_in_council, kpt_on) -> None:  # type: ignore[no-untyped-def]
    code, out = kpt_on(engine.url.render_as_string(hide_password=False), "plan", "status", plan_in_council,
                       "--hoy", "2024-05-10")
    assert code == 0, out
    groups = re.findall(r"^Próximos pasos a cargo de: (.+)$", out, flags=re.MULTILINE)
    assert groups == ["Concejo", "Oficina de planeación"], out
    council = out.split("Próximos pasos a cargo de: Concejo")[1].split("Próximos pasos a cargo de:")[0]
    assert "«Aprobar por acuerdo u ordenanza»" in council and "devuelve el proyecto" in council and "Adoptar" not in council
    for code_name in ("devolver_para_ajustes", "adoptar_por_decreto", "discusion_corporaciones", "PUEDE AVANZAR"):
        assert code_name not in out
    assert re.search(r"^  - Proyecto de acuerdo con exposición de motivos radicado ante el concejo: v1, radicado, "
                     r"fecha legal 25/04/2024, n\.º ", out, flags=re.MULTILINE), out
    assert "Decisión de la corporación (vencido el mes sin decisión, procede la adopción por decreto): " \
           "27/05/2024 · faltan 17 días" in out, out
