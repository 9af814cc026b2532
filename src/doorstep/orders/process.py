"""The vocabulary of order processes: states, transitions, actors, timers.

A process is data: which states exist, which transitions lead between them, who may
fire each, what must hold first (guard), what else changes in the same transaction
(effects), and which timers start when an order enters a state. The engine
(``orders.engine``) is the only code that applies a transition; each buying mode
declares its process in one file under ``orders/processes/``.

Written here rather than taken from a state-machine library because the transition
must run inside our locking, ledger and event transaction, and because the
definition also drives permissions, the API's "allowed next steps", timers and the
generated diagrams — no library covers that whole contract.
"""

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

from django.db import models
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

if TYPE_CHECKING:
    from doorstep.accounts.models import User
    from doorstep.orders.models import Order


class Actor(models.TextChoices):
    CUSTOMER = "customer", _("Customer")
    PROVIDER = "provider", _("Provider")
    OPS = "ops", _("Operations")
    SYSTEM = "system", _("System")


@dataclass(frozen=True)
class TransitionContext:
    """What a guard or an effect knows about the transition being applied."""

    actor: Actor
    user: "User | None"
    now: datetime
    from_state: str = ""
    data: dict[str, Any] = field(default_factory=dict)


Guard = Callable[["Order", TransitionContext], None]  # raises DomainError to refuse
Effect = Callable[["Order", TransitionContext], None]  # runs in the transaction


@dataclass(frozen=True)
class State:
    name: str
    label: str | Promise
    terminal: bool = False


@dataclass(frozen=True)
class Transition:
    name: str
    sources: frozenset[str]
    target: str
    actors: frozenset[Actor]
    label: str | Promise
    guards: tuple[Guard, ...] = ()
    effects: tuple[Effect, ...] = ()


@dataclass(frozen=True)
class Timer:
    """Started when an order enters ``state``; at ``due(order)``, unless the order
    has left the state by then, fires ``transition`` as the system — or, for a
    timer without one (a reminder), records the event ``order.<name>``."""

    name: str
    state: str
    due: Callable[["Order"], datetime | None]
    transition: str | None = None


@dataclass(frozen=True)
class Process:
    name: str
    label: str | Promise
    states: tuple[State, ...]
    transitions: tuple[Transition, ...]
    timers: tuple[Timer, ...] = ()

    def __post_init__(self) -> None:
        names = {state.name for state in self.states}
        for transition in self.transitions:
            unknown = (transition.sources | {transition.target}) - names
            if unknown:
                raise ValueError(f"{self.name}.{transition.name}: unknown {unknown}")
        for timer in self.timers:
            if timer.state not in names or (
                timer.transition is not None
                and timer.transition not in self.transition_names
            ):
                raise ValueError(f"{self.name}: timer {timer.name} is inconsistent")

    @property
    def transition_names(self) -> set[str]:
        return {transition.name for transition in self.transitions}

    @property
    def hooks(self) -> tuple[Guard | Effect, ...]:
        """Every guard and effect, for reading what errors a transition raises."""
        return tuple(
            hook
            for transition in self.transitions
            for hook in (*transition.guards, *transition.effects)
        )

    def state(self, name: str) -> State:
        return next(state for state in self.states if state.name == name)

    def transition(self, name: str) -> Transition | None:
        return next((t for t in self.transitions if t.name == name), None)

    def transitions_from(self, state: str) -> list[Transition]:
        return [t for t in self.transitions if state in t.sources]

    def timers_for(self, state: str) -> list[Timer]:
        return [timer for timer in self.timers if timer.state == state]

    def mermaid(self) -> str:
        """The process as a Mermaid state diagram (for the docs and the back office)."""
        lines = ["stateDiagram-v2"]
        for state in self.states:
            lines.append(f"    {state.name}: {state.name}")
        for transition in self.transitions:
            actors = ", ".join(sorted(actor.value for actor in transition.actors))
            label = f"{transition.name} ({actors})"
            for source in sorted(transition.sources):
                lines.append(f"    {source} --> {transition.target}: {label}")
        for state in self.states:
            if state.terminal:
                lines.append(f"    {state.name} --> [*]")
        return "\n".join(lines)


def hours(count: int | float) -> timedelta:
    return timedelta(hours=count)
