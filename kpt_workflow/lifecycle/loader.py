"""Load and validate workflow definitions: every mistake is a load error naming the file, the key
and the fix, never a surprise when a plan moves."""

from collections import deque
from collections.abc import Iterable
from pathlib import Path

from pydantic import ValidationError

from kpt_workflow.reference.document_types import load_catalog
from kpt_workflow.base.errors import DefinitionError
from kpt_workflow.base.roles import CORPORACION
from kpt_workflow.rules import RULES
from kpt_workflow.rules.documents import presence_rule_name
from kpt_workflow.states.schema import PERIOD_START, DefinitionSpec
from kpt_workflow.base.validation import describe
from kpt_workflow.base.yaml_files import read_yaml


def load_definition(path: Path) -> DefinitionSpec:
    raw = read_yaml(path)
    try:
        spec = DefinitionSpec.model_validate(raw)
    except ValidationError as exc:
        where, message = describe(exc)
        raise DefinitionError(f"{path}: {where}: {message}.") from exc
    for problem in _problems(spec):
        raise DefinitionError(f"{path}: {problem}")
    return spec


def _problems(spec: DefinitionSpec) -> Iterable[str]:
    """Yield what is wrong, most basic first (the caller reports the first)."""
    names = [s.name for s in spec.states]
    for i, name in enumerate(names):
        if names.index(name) != i:
            yield f"states[{i}]: el estado '{name}' ya está declarado en states[{names.index(name)}]; deje una sola declaración."
    known = set(names)
    if spec.initial not in known:
        yield f"initial: estado desconocido '{spec.initial}'; use uno de {names}."
    seen: dict[tuple[str, str], int] = {}
    for i, t in enumerate(spec.transitions):
        for key in ("source", "dest"):
            if getattr(t, key) not in known:
                yield (f"transitions[{i}].{key}: estado desconocido '{getattr(t, key)}' (disparador '{t.trigger}'); "
                       f"declárelo en states o use uno de {names}.")
        for j, rule_name in enumerate(t.rules):
            if rule_name not in RULES:
                yield (f"transitions[{i}].rules[{j}]: regla desconocida '{rule_name}' (disparador '{t.trigger}'); "
                       f"corrija el nombre o registre la regla en kpt_workflow/rules/.")
        if (t.trigger, t.source) in seen:
            yield (f"transitions[{i}]: el disparador '{t.trigger}' ya sale de '{t.source}' en "
                   f"transitions[{seen[t.trigger, t.source]}]; desde un estado un disparador lleva a un solo destino.")
        seen[t.trigger, t.source] = i
    yield from _decision_problems(spec)
    yield from _graph_problems(spec)
    yield from _deadline_problems(spec)


def _decision_problems(spec: DefinitionSpec) -> Iterable[str]:
    """A decision's name says one step (its form sends only the name); it is the council's act
    (`by: corporacion`); the act it files is a numbered document type of the catalog that the
    step's rules require; the council's changes are recorded with the act that approves them."""
    catalog = load_catalog()
    documents = set(catalog.codes())
    named: dict[str, tuple[int, str]] = {}
    for i, t in enumerate(spec.transitions):
        if t.decision is None:
            continue
        first = named.setdefault(t.decision.name, (i, t.trigger))
        if first[1] != t.trigger:
            yield (f"transitions[{i}].decision.name: la decisión '{t.decision.name}' ya registra el paso "
                   f"'{first[1]}' (transitions[{first[0]}]); dé a cada decisión un nombre propio.")
        if CORPORACION not in t.by:
            yield (f"transitions[{i}].by: el paso '{t.trigger}' registra una decisión de la corporación; "
                   f"declárelo by: {CORPORACION}.")
        act = t.decision.files
        if act is not None and act not in documents:
            yield (f"transitions[{i}].decision.files: tipo de documento desconocido '{act}' "
                   f"(kpt_workflow/reference/catalogs/documentos.yaml).")
        elif act is not None and not catalog.get(act).requires_number:
            yield (f"transitions[{i}].decision.files: el acto '{act}' no exige número en el catálogo; la "
                   f"decisión registra el número y la fecha de su acto (requires_number: true).")
        elif act is not None and not any(act in getattr(RULES.get(r), "documents", ()) for r in t.rules):
            yield (f"transitions[{i}].rules: la decisión radica '{act}' pero ninguna regla del paso '{t.trigger}' "
                   f"lo exige; agregue '{presence_rule_name(act)}' o una regla que lo juzgue.")
        if t.decision.modifications and act is None:
            yield (f"transitions[{i}].decision.modifications: las modificaciones de la corporación se registran "
                   f"con el acto que las aprueba; declare decision.files.")


def _graph_problems(spec: DefinitionSpec) -> Iterable[str]:
    exits: dict[str, set[str]] = {s.name: set() for s in spec.states}
    for t in spec.transitions:
        exits.setdefault(t.source, set()).add(t.dest)
    reached, queue = {spec.initial}, deque([spec.initial])
    while queue:
        for dest in exits.get(queue.popleft(), ()):
            if dest not in reached:
                reached.add(dest)
                queue.append(dest)
    for state in spec.states:
        if state.name not in reached:
            yield (f"states.{state.name}: no es alcanzable desde el estado inicial '{spec.initial}'; "
                   f"agregue una transición que llegue a él o elimínelo.")
        if state.terminal and exits[state.name]:
            yield f"states.{state.name}: es terminal pero tiene transiciones de salida; quítelas o quite terminal: true."
        if not state.terminal and not exits[state.name]:
            yield (f"states.{state.name}: estado no terminal sin salida; agregue una transición que salga "
                   f"de él o márquelo terminal: true.")


def _deadline_problems(spec: DefinitionSpec) -> Iterable[str]:
    documents = set(load_catalog().codes())
    declared = {d.code for d in spec.deadlines}
    codes = [d.code for d in spec.deadlines]
    for i, d in enumerate(spec.deadlines):
        if codes.index(d.code) != i:
            yield f"deadlines[{i}].code: el plazo '{d.code}' ya está declarado en deadlines[{codes.index(d.code)}]."
        if d.anchor != PERIOD_START and d.anchor not in documents:
            yield (f"deadlines[{i}].anchor: '{d.anchor}' no es '{PERIOD_START}' ni un tipo de documento "
                   f"del catálogo (kpt_workflow/reference/catalogs/documentos.yaml).")
        if not d.met_by_codes:
            yield f"deadlines[{i}].met_by: nombre al menos un tipo de documento que cumpla el plazo."
        for code in d.met_by_codes:
            if code not in documents:
                yield f"deadlines[{i}].met_by: tipo de documento desconocido '{code}'."
        for j, term in enumerate(d.terms):
            if (term.months_of_period is not None) != (d.anchor == PERIOD_START):
                yield (f"deadlines[{i}].terms[{j}]: el anchor es '{d.anchor}'; months_of_period va con anchor "
                       f"'{PERIOD_START}', y months o working_days con un documento como anchor.")
    for i, t in enumerate(spec.transitions):
        for j, rule_name in enumerate(t.rules):
            for needed in getattr(RULES.get(rule_name), "deadlines", ()):
                if needed not in declared:
                    yield (f"transitions[{i}].rules[{j}]: la regla '{rule_name}' lee el plazo '{needed}', que no está "
                           f"declarado en deadlines; declárelo.")
