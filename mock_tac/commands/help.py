"""``help``: TAC's command reference, generated from the registry.

The text keeps the layout of TAC's own help, because clients parse it: the
listing (no ``commandName``) has one ``* <command>`` line per command after
the ``Generic return codes`` block; a command's block has ``Command:``,
``Requires authentication :``, ``Sample :`` (pretty JSON up to a blank line
or ``Specific error codes :``) and ``NNN: text`` code lines. Only commands
the mock answers, and that exist in the dialect's TAC version, are listed.
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

from .. import codes
from ..codes import ApiError
from ..protocol import as_json
from ..registry import COMMANDS, Command, command

if TYPE_CHECKING:
    from ..dialect import Dialect
    from ..engine import Engine

RULE = "-" * 58
LABEL_WIDTH = 24
CODE_INDENT = " " * 7
ALL = "all"


@command(
    "help",
    description=(
        "Show this help. commandName is optional: without it, the list of "
        "commands; 'all' prints every command in detail; a command name prints "
        "that command in detail."
    ),
    since="5.2",
    requires_auth=False,
    sample={"actionName": "help", "commandName": "runTask"},
)
def help_command(engine: Engine, params: dict[str, Any]) -> dict[str, Any]:
    dialect = engine.dialect
    name = params.get("commandName")
    if name is None or name == "":
        return {"help": listing(dialect)}
    if not isinstance(name, str):
        raise ApiError(
            codes.INVALID_PARAMETER,
            f"Invalid parameter 'commandName': expected a string, got {as_json(name)}",
        )
    if name == ALL:
        blocks = [block(c, dialect) for c in available(dialect)]
        return {"help": "\n".join([generic_codes(dialect), *blocks])}
    found = COMMANDS.get(name)
    if found is None or not dialect.has(found.since):
        raise ApiError(
            codes.INVALID_PARAMETER,
            f"Invalid parameter 'commandName': no command named '{name}'; "
            "send help without commandName for the list of commands",
        )
    return {"help": block(found, dialect)}


def available(dialect: Dialect) -> list[Command]:
    """The registered commands that exist in ``dialect``'s TAC, by name."""
    return [COMMANDS[n] for n in sorted(COMMANDS) if dialect.has(COMMANDS[n].since)]


def listing(dialect: Dialect) -> str:
    """The short help: generic codes, then one ``* name`` line per command."""
    commands = available(dialect)
    width = max(len(c.name) for c in commands)
    lines = [generic_codes(dialect), _field("Commands", "")]
    for each in commands:
        summary = each.description.split(". ")[0].rstrip(".")
        lines.append(f"  * {each.name:<{width}}  {summary}")
    lines.append("")
    lines.append(
        'Details of one command: {"actionName":"help","commandName":"<command>"}; '
        'of every command: "commandName":"all".'
    )
    return "\n".join(lines) + "\n"


def generic_codes(dialect: Dialect) -> str:
    """The ``Generic return codes`` block, with the codes of ``dialect``."""
    lines = [_field("Generic return codes", "")]
    lines += [
        f"{CODE_INDENT}{code}: {codes.GENERIC_CODES[code]}"
        for code in dialect.generic_codes
    ]
    return "\n".join(lines) + "\n"


def block(each: Command, dialect: Dialect) -> str:
    """One command's block, as ``help`` with its name prints it."""
    lines = [RULE, f"  Command: {each.name}", RULE]
    lines.append(_field("Description", each.description))
    lines.append(_field("Requires authentication", _bool(each.requires_auth)))
    if dialect.help_rights and each.rights:
        lines.append(_field("Requires rights", each.rights))
    lines.append(_field("Since", each.since))
    lines.append(_field("Sample", ""))
    lines.append(_sample_json(each.sample))
    answered = {c: m for c, m in each.error_codes.items() if dialect.answers(c)}
    if answered:
        lines.append(_field("Specific error codes", ""))
        lines += [
            f"{CODE_INDENT}{code}: {message}"
            for code, message in sorted(answered.items())
        ]
    return "\n".join(lines) + "\n"


def _field(label: str, value: str) -> str:
    return f"{label:<{LABEL_WIDTH}}: {value}"


def _bool(value: bool) -> str:
    return "true" if value else "false"


def _sample_json(sample: dict[str, Any]) -> str:
    """Sorted keys, two-space indents; a one-key sample fits on one line."""
    if len(sample) == 1:
        return json.dumps(sample)
    return json.dumps(sample, indent=2, sort_keys=True, ensure_ascii=False)
