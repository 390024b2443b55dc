"""The command registry: every MetaServlet action the mock emulates.

Commands register themselves with :func:`command`; the dispatcher and the
``help`` text are both built from this one table, so help never lists a
command the mock cannot answer.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from .engine import Engine

Handler = Callable[["Engine", dict[str, Any]], dict[str, Any]]

#: ``Requires rights`` of the task commands in TAC 8.0's help. Assumed: the
#: help's one visible example is "Lock management" for LOCK_MANAGMENT, so the
#: job conductor rights are spelled the same way.
JOB_CONDUCTOR_READ = "Job conductor read"
JOB_CONDUCTOR_MANAGEMENT = "Job conductor management"


@dataclass(frozen=True)
class Command:
    """One emulated action and what TAC's help says of it."""

    name: str
    handler: Handler
    description: str
    since: str
    requires_auth: bool = True
    sample: dict[str, Any] = field(default_factory=dict)
    error_codes: dict[int, str] = field(default_factory=dict)
    #: What TAC 8.0's help prints as ``Requires rights``; empty: no line.
    rights: str = ""
    #: The handler refuses a user without the right itself, with a code of
    #: its own (runTask's 32); otherwise the engine answers 7 for it.
    checks_right: bool = False


COMMANDS: dict[str, Command] = {}


def command(
    name: str,
    *,
    description: str,
    since: str,
    requires_auth: bool = True,
    sample: dict[str, Any] | None = None,
    error_codes: dict[int, str] | None = None,
    rights: str = "",
    checks_right: bool = False,
) -> Callable[[Handler], Handler]:
    """Register the decorated function as the handler of action ``name``.

    The handler gets the engine and the request parameters and returns the
    reply fields (without ``returnCode`` and ``executionTime``), or raises
    :class:`~mock_tac.codes.ApiError`. A command needing
    :data:`JOB_CONDUCTOR_MANAGEMENT` is refused to a user without that right
    (``can_run: false``) before its handler runs, unless ``checks_right``.
    """

    def register(handler: Handler) -> Handler:
        COMMANDS[name] = Command(
            name=name,
            handler=handler,
            description=description,
            since=since,
            requires_auth=requires_auth,
            sample=sample or {"actionName": name},
            error_codes=error_codes or {},
            rights=rights,
            checks_right=checks_right,
        )
        return handler

    return register
