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

from kpt_workflow.base.errors import DefinitionError, NotFound, UnknownTrigger
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
    machine: Machine
    lifecycle: _Lifecycle
    lock: Lock

    @classmethod
    def build(cls, definition: DefinitionSpec) -> "Workflow":
        lifecycle = _Lifecycle()
        machine = Machine(
            model=lifecycle,
            states=[s.name for s in definition.states],
            transitions=[{"trigger": t.trigger, "source": t.source, "dest": t.dest} for t in definition.transitions],
            initial=definition.initial,
            auto_transitions=False,
        )
        return cls(definition, machine, lifecycle, Lock())

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


@lru_cache(maxsize=None)
def _all_workflows() -> dict[tuple[str, int | None], Workflow]:
    """Every definition by (name, version), and by (name, None) the newest of each name: asked for
    on every step, so one dictionary look-up."""
    workflows: dict[tuple[str, int | None], Workflow] = {}
    sources: dict[tuple[str, int], Path] = {}
    for path in sorted(DEFINITIONS_DIR.glob("**/*.yaml")):
        definition = load_definition(path)
        key = (definition.name, definition.version)
        if key in sources:
            raise DefinitionError(f"{path}: name/version: '{definition.name}' versión {definition.version} ya está "
                                  f"definida en {sources[key]}; cambie la versión.")
        sources[key] = path
        workflows[key] = Workflow.build(definition)
    for name, version in sorted(sources):  # ascending versions: the newest is set last
        workflows[name, None] = workflows[name, version]
    return workflows


def all_definitions() -> list[DefinitionSpec]:
    """Every definition of every version: what any plan, old or new, may have started under."""
    return [flow.definition for (_, version), flow in _all_workflows().items() if version is not None]


def workflow(name: str, version: int | None = None) -> Workflow:
    """The definition `name` at `version` (the newest when None): plans keep the one they started under."""
    workflows = _all_workflows()
    found = workflows.get((name, version))
    if found is not None:
        return found
    if (name, None) not in workflows:
        raise NotFound(f"No hay una definición de flujo llamada '{name}'.")
    raise NotFound(f"La definición '{name}' no tiene la versión {version}.")
