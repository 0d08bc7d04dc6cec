"""The workflow definition loader refuses every mistake at load time, naming the file, the key and
the culprit; the shipped PDT definition loads; the engine shares one Machine per definition."""

import contextlib
from collections.abc import Mapping, Sequence
from pathlib import Path

import pytest
import yaml

from kpt_workflow.lifecycle import engine
from kpt_workflow.base.errors import DefinitionError, InvalidInput, NotFound, UnknownTrigger
from kpt_workflow.lifecycle.loader import load_definition

PDT_PATH = engine.DEFINITIONS_DIR / "pdt.yaml"
PDT_STATES = ("alistamiento", "construccion_articulada", "tramite_ambiental_y_planeacion",
              "discusion_corporaciones", "aprobado", "negado", "adoptado_por_decreto")
# A rule that reads no deadline, so the minimal definition needs none to be valid.
PLAIN_RULE = "documento_programa_gobierno"


def state(name: str, **fields: object) -> dict[str, object]:
    return {"name": name, "label": name.capitalize(), **fields}


def transition(trigger: str, source: str, dest: str, **fields: object) -> dict[str, object]:
    return {"trigger": trigger, "label": trigger.capitalize(), "source": source, "dest": dest,
            "rules": [PLAIN_RULE], **fields}


def deadline(code: str, **fields: object) -> dict[str, object]:
    return {"code": code, "label": code.capitalize(), "basis": "Ley 152 de 1994, art. 39",
            "anchor": "inicio_periodo", "terms": [{"months_of_period": 2}], "met_by": "radicado_ctp",
            "use": "aviso", **fields}


# The smallest valid definition: inicio -> revision -> fin, with one deadline.
STATES = (state("inicio"), state("revision"), state("fin", terminal=True))
TRANSITIONS = (transition("revisar", "inicio", "revision"), transition("cerrar", "revision", "fin"))
DEADLINES = (deadline("radicacion_ctp"),)


def definition(**overrides: object) -> dict[str, object]:
    """The minimal valid definition with top-level keys replaced (a key given as None is removed)."""
    base: dict[str, object] = {"name": "mini", "version": 1, "title": "Flujo mínimo", "initial": "inicio",
                               "states": list(STATES), "transitions": list(TRANSITIONS),
                               "deadlines": list(DEADLINES)}
    merged = {**base, **overrides}
    return {key: value for key, value in merged.items() if value is not None}


def patched(items: Sequence[Mapping[str, object]], index: int, **fields: object) -> list[dict[str, object]]:
    """`items` with the fields of `items[index]` replaced."""
    return [{**item, **fields} if i == index else dict(item) for i, item in enumerate(items)]


def write(tmp_path: Path, content: dict[str, object] | str) -> Path:
    path = tmp_path / "flujo.yaml"
    text = content if isinstance(content, str) else yaml.safe_dump(content, allow_unicode=True, sort_keys=False)
    path.write_text(text, encoding="utf-8")
    return path


def refusal(path: Path) -> str:
    with pytest.raises(DefinitionError) as refused:
        load_definition(path)
    assert refused.value.code == "definition_invalid"
    return refused.value.message


def test_minimal_definition_loads(tmp_path):
    spec = load_definition(write(tmp_path, definition()))
    assert [s.name for s in spec.states] == ["inicio", "revision", "fin"]
    assert [d.code for d in spec.deadlines] == ["radicacion_ctp"]


# (definition, key the message is prefixed with, names it quotes). Schema errors come from pydantic,
# translated by kpt_workflow.base.validation into the same key spelling, quoting the value.
INVALID = [
    pytest.param(definition(transitions=patched(TRANSITIONS, 1, rules=[PLAIN_RULE, "regla_inventada"])),
                 "transitions[1].rules[1]", ("regla_inventada", "cerrar"), id="unknown-rule"),
    pytest.param(definition(transitions=patched(TRANSITIONS, 1, source="borrador")),
                 "transitions[1].source", ("borrador", "cerrar"), id="unknown-source-state"),
    pytest.param(definition(transitions=patched(TRANSITIONS, 0, dest="borrador")),
                 "transitions[0].dest", ("borrador", "revisar"), id="unknown-dest-state"),
    pytest.param(definition(initial="borrador"), "initial", ("borrador",), id="unknown-initial-state"),
    pytest.param(definition(states=[*STATES, state("archivado", terminal=True)]),
                 "states.archivado", ("inicio",), id="unreachable-state"),
    pytest.param(definition(states=patched(STATES, 2, terminal=False)), "states.fin", (), id="dead-end-state"),
    pytest.param(definition(transitions=[*TRANSITIONS, transition("reabrir", "fin", "revision")]),
                 "states.fin", (), id="terminal-state-with-exit"),
    pytest.param(definition(transitions=[*TRANSITIONS, transition("revisar", "inicio", "fin")]),
                 "transitions[2]", ("revisar", "inicio"), id="duplicate-trigger-from-one-source"),
    pytest.param(definition(states=[*STATES, state("revision")]), "states[3]", ("revision",), id="duplicate-state"),
    pytest.param(definition(deadlines=patched(DEADLINES, 0, anchor="acta_inventada", terms=[{"months": 1}])),
                 "deadlines[0].anchor", ("acta_inventada",), id="deadline-anchor-not-in-catalog"),
    pytest.param(definition(deadlines=patched(DEADLINES, 0, met_by="acta_inventada")),
                 "deadlines[0].met_by", ("acta_inventada",), id="deadline-met-by-not-in-catalog"),
    pytest.param(definition(deadlines=patched(DEADLINES, 0, anchor="radicado_ctp")),
                 "deadlines[0].terms[0]", ("inicio_periodo",), id="months-of-period-with-document-anchor"),
    pytest.param(definition(deadlines=patched(DEADLINES, 0, terms=[{"months": 2}])),
                 "deadlines[0].terms[0]", ("inicio_periodo",), id="months-from-act-with-period-anchor"),
    pytest.param(definition(transitions=patched(TRANSITIONS, 1, rules=["mes_corporacion_vencido"])),
                 "transitions[1].rules[0]", ("mes_corporacion_vencido", "decision_corporacion"),
                 id="rule-reads-undeclared-deadline"),
    pytest.param(definition(title=None), "title", (), id="missing-top-level-key"),
    pytest.param(definition(states=[{"name": "inicio"}, *STATES[1:]]), "states[0].label", (), id="missing-nested-key"),
    pytest.param(definition(version="uno"), "version", (), id="wrong-type-version"),
    pytest.param(definition(transitions=patched(TRANSITIONS, 1, rules=PLAIN_RULE)),
                 "transitions[1].rules", (), id="wrong-type-rules-not-a-list"),
    pytest.param(definition(transitions=patched(TRANSITIONS, 1, rules=[])),
                 "transitions[1].rules", (), id="transition-without-rules"),
    pytest.param(definition(transitions=patched(TRANSITIONS, 0, trigger="Revisar ya")),
                 "transitions[0].trigger", (), id="trigger-not-an-identifier"),
    pytest.param(definition(deadlines=patched(DEADLINES, 0, terms=[{"months_of_period": 2, "months": 1}])),
                 "deadlines[0].terms[0]", ("months_of_period", "working_days"), id="term-with-two-units"),
    pytest.param(definition(deadlines=patched(DEADLINES, 0, terms=[{}])),
                 "deadlines[0].terms[0]", ("months_of_period", "working_days"), id="term-without-unit"),
    pytest.param(definition(colour="rojo"), "colour", (), id="unknown-top-level-key"),
    pytest.param(definition(transitions=patched(TRANSITIONS, 1, by="alcalde")),
                 "transitions[1].by[0]", ("alcalde",), id="step-for-an-unknown-role"),
    pytest.param(definition(transitions=patched(TRANSITIONS, 1, by=["corporacion", "admin"])),
                 "transitions[1].by[1]", ("admin",), id="step-for-the-administrator"),
    pytest.param(definition(transitions=patched(TRANSITIONS, 1, by=[])),
                 "transitions[1].by", (), id="step-for-nobody"),
]


def test_a_step_is_declared_for_one_role_or_a_list_of_roles(tmp_path):
    spec = load_definition(write(tmp_path, definition(transitions=[
        TRANSITIONS[0], {**TRANSITIONS[1], "by": ["planeacion", "corporacion"]}])))
    assert [t.by for t in spec.transitions] == [("planeacion",), ("planeacion", "corporacion")]
    council = {t.trigger: t.by for t in engine.workflow("pdt").definition.transitions}
    assert council["aprobar"] == council["devolver_para_ajustes"] == ("corporacion",)


@pytest.mark.parametrize(("content", "key", "names"), INVALID)
def test_invalid_definition_is_refused_naming_file_key_and_culprit(tmp_path, content, key, names):
    path = write(tmp_path, content)
    message = refusal(path)
    assert message.startswith(f"{path}: {key}:"), message
    assert all(name in message for name in names), message


def test_yaml_syntax_error_names_the_line(tmp_path):
    lines = yaml.safe_dump(definition(), allow_unicode=True, sort_keys=False).splitlines()
    broken = next(i for i, line in enumerate(lines) if line.startswith("title:"))
    lines[broken] = "title: Plan: con dos puntos"
    path = write(tmp_path, "\n".join(lines))
    assert refusal(path).startswith(f"{path}: línea {broken + 1}: YAML inválido")


@pytest.mark.parametrize(("content", "value"), [
    pytest.param(definition(transitions=patched(TRANSITIONS, 0, trigger="Revisar ya")), "Revisar ya", id="trigger"),
    pytest.param(definition(version="uno"), "uno", id="version"),
])
def test_schema_error_quotes_the_offending_value(tmp_path, content, value):
    assert f"'{value}'" in refusal(write(tmp_path, content))


def test_schema_error_spells_the_key_like_the_loader_errors(tmp_path):
    path = write(tmp_path, definition(transitions=patched(TRANSITIONS, 0, trigger="Revisar ya")))
    assert refusal(path).startswith(f"{path}: transitions[0].trigger:")


def test_duplicate_deadline_code_is_refused(tmp_path):
    path = write(tmp_path, definition(deadlines=[*DEADLINES, deadline("radicacion_ctp", met_by="diagnostico")]))
    assert "radicacion_ctp" in refusal(path)


def test_duplicate_yaml_key_is_refused(tmp_path):
    text = yaml.safe_dump(definition(), allow_unicode=True, sort_keys=False)
    path = write(tmp_path, text + "title: Otro título\n")
    assert "title" in refusal(path)


def test_shipped_pdt_definition_loads_with_its_seven_states():
    spec = load_definition(PDT_PATH)
    assert spec.name == "pdt" and spec.version >= 1
    assert tuple(s.name for s in spec.states) == PDT_STATES
    assert {s.name for s in spec.states if s.terminal} == {"aprobado", "adoptado_por_decreto"}


def test_every_pdt_trigger_lists_at_least_one_rule():
    raw = yaml.safe_load(PDT_PATH.read_text(encoding="utf-8"))
    assert raw["transitions"]
    assert all(t["rules"] for t in raw["transitions"]), [t["trigger"] for t in raw["transitions"] if not t["rules"]]


def test_one_machine_is_shared_by_every_call_for_a_definition():
    assert engine.workflow("pdt").machine is engine.workflow("pdt").machine


@pytest.mark.parametrize(("state", "trigger"), [
    pytest.param("discusion_corporaciones", "aprobar", id="applied"),
    pytest.param("alistamiento", "aprobar", id="refused"),
])
def test_apply_binds_no_model_per_step_on_the_shared_machine(state, trigger):
    flow = engine.workflow("pdt")
    with contextlib.suppress(UnknownTrigger):
        flow.apply(state, trigger)
    assert flow.machine.models == [flow.lifecycle]


def test_lifecycle_model_has_no_shortcut_to_skip_guards():
    lifecycle = engine.workflow("pdt").lifecycle
    assert hasattr(lifecycle, "aprobar")
    assert not any(hasattr(lifecycle, f"to_{name}") for name in PDT_STATES)


def _declare(folder: Path, filename: str, content: dict[str, object]) -> None:
    (folder / filename).write_text(yaml.safe_dump(content, allow_unicode=True, sort_keys=False), encoding="utf-8")


def test_a_workflow_dropped_in_the_definitions_folder_is_read_besides_the_package(definitions_folder):
    _declare(definitions_folder, "mini.yaml", definition())
    engine.use_definitions_from(definitions_folder)
    assert [s.name for s in engine.workflow("mini").definition.states] == ["inicio", "revision", "fin"]
    assert engine.workflow("mini").source == definitions_folder / "mini.yaml"
    assert [f.definition.name for f in engine.newest_workflows()] == ["pdt", "mini"]  # the default first
    assert engine.default_workflow().definition.name == "pdt"
    engine.use_definitions_from(None)
    with pytest.raises(NotFound, match="las que hay: pdt"):
        engine.workflow("mini")


def test_an_unknown_workflow_is_bad_input_naming_those_that_exist(definitions_folder):
    _declare(definitions_folder, "mini.yaml", definition())
    engine.use_definitions_from(definitions_folder)
    with pytest.raises(InvalidInput, match="'otro'; los que hay: pdt, mini") as refused:
        engine.chosen_workflow("otro")
    assert refused.value.details["field"] == "flujo"
    assert engine.chosen_workflow(None) is engine.default_workflow()


def test_a_missing_definitions_folder_is_refused(tmp_path):
    with pytest.raises(DefinitionError, match="KPT_DEFINITIONS_DIR: la carpeta .* no existe"):
        engine.use_definitions_from(tmp_path / "no-existe")


def test_the_same_name_and_version_as_a_packaged_definition_is_refused_naming_both_files(definitions_folder):
    (definitions_folder / "a.yaml").write_text(PDT_PATH.read_text(encoding="utf-8"), encoding="utf-8")
    with pytest.raises(DefinitionError, match="'pdt' versión 1 ya está definida en .*pdt.yaml") as refused:
        engine.use_definitions_from(definitions_folder)
    assert str(definitions_folder / "a.yaml") in refused.value.message


@pytest.mark.parametrize(("extra", "named"), [
    pytest.param(definition(default=True), "'mini'", id="two-defaults"),
    pytest.param({**yaml.safe_load(PDT_PATH.read_text(encoding="utf-8")), "version": 2, "default": False}, "ninguno",
                 id="the-newest-version-of-the-default-unmarked"),
])
def test_exactly_one_workflow_is_the_default(definitions_folder, extra, named):
    _declare(definitions_folder, "extra.yaml", extra)
    with pytest.raises(DefinitionError, match="exactamente un flujo debe llevar `default: true`") as refused:
        engine.use_definitions_from(definitions_folder)
    assert named in refused.value.message
