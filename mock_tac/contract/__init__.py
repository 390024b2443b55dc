"""The contract test kit: the MetaServlet contract as data, and tools that use it.

* :mod:`mock_tac.contract.schema`: JSON Schemas of requests and replies, and
  :func:`validate_request` / :func:`validate_reply` to check against them;
* :mod:`mock_tac.contract.strategies`: Hypothesis strategies for requests,
  malformed requests and scenarios;
* :mod:`mock_tac.contract.inprocess`: route ``requests`` calls into a mock
  without a socket;
* :mod:`mock_tac.contract.checker`: ``mock-tac check-client``, which judges a
  client program against generated scenarios.
"""

from __future__ import annotations

from typing import Any

from .schema import (
    Contract,
    ContractViolation,
    SchemaError,
    Violation,
    default_contract,
)

__all__ = [
    "Contract",
    "ContractViolation",
    "SchemaError",
    "Violation",
    "check_reply",
    "check_request",
    "default_contract",
    "validate_reply",
    "validate_request",
]


def validate_request(params: Any) -> list[Violation]:
    """How a decoded request breaks the packaged contract (empty: it keeps it)."""
    return default_contract().validate_request(params)


def validate_reply(
    action: str | None, reply: Any, variant: str | None = None
) -> list[Violation]:
    """How a reply to ``action`` breaks the packaged contract (empty: it keeps it).

    ``variant`` picks one reply schema (``sync``, ``async``, ``running``,
    ``ended``, ``error``); without it any variant of the action will do, and a
    reply with a non-zero ``returnCode`` must be the generic error reply.
    """
    return default_contract().validate_reply(action, reply, variant)


def check_request(params: Any) -> None:
    """Raise :class:`ContractViolation` unless the request keeps the contract."""
    default_contract().check_request(params)


def check_reply(action: str | None, reply: Any, variant: str | None = None) -> None:
    """Raise :class:`ContractViolation` unless the reply keeps the contract."""
    default_contract().check_reply(action, reply, variant)
