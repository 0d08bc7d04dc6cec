"""One `transitions` Machine per workflow definition, shared by every plan.

The Machine drives a small plain object (never a SQLModel row: `add_model` sets trigger methods
with setattr, which pydantic refuses), built with `auto_transitions=False` so that no
`to_<state>()` shortcut can skip the guards. The rules are evaluated by the caller first; the
Machine only applies a step whose checklist passed.
"""

from dataclasses import dataclass
from functools import cached_property, lru_cache
from pathlib import Path
from threading import Lock

from transitions import Machine, MachineError

from kpt_workflow.base.errors import DefinitionError, InvalidInput, NotFound, UnknownTrigger
from kpt_workflow.lifecycle.loader import load_definition
from kpt_workflow.states.schema import DefinitionSpec, StateSpec, TransitionSpec

DEFINITIONS_DIR = Path(__file__).parent.parent / "states"


class _Lifecycle:
    """What the Machine moves: only a state."""

    state: str


@dataclass
class Workflow:
    """A definition with its one Machine, which drives one plain lifecycle object: each step sets
    that object to the plan's state and fires the trigger, under a lock (Machines are not
    thread-safe, and binding a new model per step costs more than the step)."""

    definition: DefinitionSpec
    source: Path  # the YAML file it was read from
    machine: Machine
    lifecycle: _Lifecycle
    lock: Lock

    @classmethod
    def build(cls, definition: DefinitionSpec, source: Path) -> "Workflow":
        lifecycle = _Lifecycle()
        machine = Machine(
            model=lifecycle,
            states=[s.name for s in definition.states],
            transitions=[{"trigger": t.trigger, "source": t.source, "dest": t.dest} for t in definition.transitions],
            initial=definition.initial,
            auto_transitions=False,
        )
        return cls(definition, source, machine, lifecycle, Lock())

    @cached_property
    def _states(self) -> dict[str, StateSpec]:
        return {s.name: s for s in self.definition.states}

    @cached_property
    def _steps(self) -> dict[str, dict[str, TransitionSpec]]:
        """Each state's steps by trigger, in the definition's order (the loader refuses a trigger
        declared twice from one state)."""
        steps: dict[str, dict[str, TransitionSpec]] = {s.name: {} for s in self.definition.states}
        for t in self.definition.transitions:
            steps[t.source][t.trigger] = t
        return steps

    def state(self, name: str) -> StateSpec:
        return self._states[name]

    @cached_property
    def decisions(self) -> dict[str, TransitionSpec]:
        """The steps that record a council's decision, by the decision's name (`decision:` in
        the definition; the loader keeps one step per name)."""
        return {t.decision.name: t for t in self.definition.transitions if t.decision is not None}

    @cached_property
    def before_council(self) -> frozenset[str]:
        """The triggers of the steps that bring the draft before the council (`before_council:`)."""
        return frozenset(t.trigger for t in self.definition.transitions if t.before_council)

    def transitions_from(self, state: str) -> list[TransitionSpec]:
        return list(self._steps[state].values())

    def transition(self, state: str, trigger: str) -> TransitionSpec:
        found = self._steps[state].get(trigger)
        if found is not None:
            return found
        possible = ", ".join(t.trigger for t in self.transitions_from(state)) or "ninguno (estado terminal)"
        raise UnknownTrigger(f"El paso '{trigger}' no existe desde el estado '{state}'. Pasos posibles: {possible}.",
                             state=state, trigger=trigger)

    def apply(self, state: str, trigger: str) -> str:
        """Fire `trigger` from `state` on the shared Machine and return the new state."""
        with self.lock:
            self.lifecycle.state = state
            try:
                getattr(self.lifecycle, trigger)()
            except (AttributeError, MachineError) as exc:
                raise UnknownTrigger(f"El paso '{trigger}' no existe desde el estado '{state}'.") from exc
            return self.lifecycle.state


@dataclass(frozen=True)
class _Catalog:
    """Every definition read, by (name, version) and by (name, None) for the newest of each name
    (asked for on every step, so one dictionary look-up), and the default workflow's name."""

    workflows: dict[tuple[str, int | None], Workflow]
    default: str


_extra_folder: Path | None = None  # KPT_DEFINITIONS_DIR, as the entry point's settings give it


def use_definitions_from(folder: Path | None) -> None:
    """Read the definitions of the package and also those of `folder` (KPT_DEFINITIONS_DIR: a user
    drops a YAML there without editing the package). Each entry point calls it with its settings
    (the CLI before any command, the server in create_app); when the folder changes, the
    definitions are read again at once, so that a mistake in a file stops the entry point."""
    global _extra_folder
    if folder is not None and not folder.is_dir():
        raise DefinitionError(f"KPT_DEFINITIONS_DIR: la carpeta '{folder}' no existe; créela o corrija la ruta.")
    if folder != _extra_folder:
        _extra_folder = folder
        _catalog.cache_clear()
        _catalog()


def _sources() -> list[Path]:
    folders = [DEFINITIONS_DIR, *([_extra_folder] if _extra_folder is not None else [])]
    return [path for folder in folders for path in sorted(folder.glob("**/*.yaml"))]


@lru_cache(maxsize=None)
def _catalog() -> _Catalog:
    workflows: dict[tuple[str, int | None], Workflow] = {}
    for path in _sources():
        definition = load_definition(path)
        key = (definition.name, definition.version)
        if key in workflows:
            raise DefinitionError(f"{path}: name/version: '{definition.name}' versión {definition.version} ya está "
                                  f"definida en {workflows[key].source}; cambie la versión.")
        workflows[key] = Workflow.build(definition, path)
    for name, version in sorted(workflows):  # ascending versions: the newest is set last
        workflows[name, None] = workflows[name, version]
    newest = [workflows[name, None] for name in sorted({name for name, _ in workflows})]
    marked = [flow for flow in newest if flow.definition.default]
    if len(marked) != 1:
        found = "; ".join(f"'{f.definition.name}' ({f.source})" for f in marked) or "ninguno"
        raise DefinitionError(f"default: exactamente un flujo debe llevar `default: true` en la versión más reciente de "
                              f"su definición (el que se usa cuando no se nombra uno); lo llevan: {found}.")
    return _Catalog(workflows, marked[0].definition.name)


def all_definitions() -> list[DefinitionSpec]:
    """Every definition of every version: what any plan, old or new, may have started under."""
    return [flow.definition for (_, version), flow in _catalog().workflows.items() if version is not None]


def newest_workflows() -> list[Workflow]:
    """The newest definition of each workflow, the default first, then by name."""
    catalog = _catalog()
    newest = [flow for (_, version), flow in catalog.workflows.items() if version is None]
    return sorted(newest, key=lambda flow: (flow.definition.name != catalog.default, flow.definition.name))


def default_workflow() -> Workflow:
    """The newest definition of the workflow marked `default: true`."""
    catalog = _catalog()
    return catalog.workflows[catalog.default, None]


def chosen_workflow(name: str | None) -> Workflow:
    """The newest definition of the workflow a user named (`--flujo`, `flujo`), the default's when
    None: an unknown name is bad input, answered with the names that exist."""
    if name is None:
        return default_workflow()
    found = _catalog().workflows.get((name, None))
    if found is None:
        raise InvalidInput(f"No hay un flujo llamado '{name}'; los que hay: {_names()}.", field="flujo")
    return found


def workflow(name: str, version: int | None = None) -> Workflow:
    """The definition `name` at `version` (the newest when None): plans keep the one they started under."""
    workflows = _catalog().workflows
    found = workflows.get((name, version))
    if found is not None:
        return found
    if (name, None) not in workflows:
        raise NotFound(f"No hay una definición de flujo llamada '{name}'; las que hay: {_names()}.")
    raise NotFound(f"La definición '{name}' no tiene la versión {version}.")


def _names() -> str:
    return ", ".join(flow.definition.name for flow in newest_workflows())
