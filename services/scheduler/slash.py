"""A slash command as the scheduler owns it: its spec (how Discord shows it) beside the code
that answers it, so that one cannot exist without the other.

Each module of ``services.scheduler.commands`` defines one top-level command as
``COMMAND``; the package gathers them (``services.scheduler.commands.COMMANDS``), the
gateway registers their specs, and ``services.scheduler.interactions`` routes by name.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass

from bus.protocol import CommandSpec, Interaction, InteractionResponse, OptionSpec, SubcommandSpec
from services.scheduler.answers import Context

type Handler = Callable[[Context, Interaction], Awaitable[InteractionResponse]]

ZONE = OptionSpec(
    name="zone", description="IANA timezone, e.g. Europe/Paris", required=True, autocomplete=True
)


@dataclass(frozen=True, slots=True)
class Slash:
    """One top-level command: ``run`` answers it, ``complete`` answers its options'
    autocompletion (for commands that have an option with ``autocomplete``)."""

    spec: CommandSpec
    run: Handler
    complete: Handler | None = None


def sub(name: str, description: str, *options: OptionSpec) -> SubcommandSpec:
    """A subcommand's spec, its options in the order Discord shows them."""
    return SubcommandSpec(name=name, description=description, options=list(options))
