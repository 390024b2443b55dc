"""The MetaServlet contract as JSON Schemas, and how to check against it.

Schemas live as files, one per message, named after the action:

* ``<action>.request.json``: the decoded request object of ``<action>``;
* ``<action>.reply.json`` or ``<action>.reply.<variant>.json``: a successful
  reply (``returnCode`` 0); an action may have several variants, such as
  ``runTask``'s ``sync`` and ``async``;
* ``request.json``, ``reply.json`` and ``error.reply.json``: any request, any
  successful reply, and the generic error reply every refusal uses;
* ``common.json``: definitions the others ``$ref``.

A command gains a contract by dropping its files in the directory; nothing
else needs to change. :class:`Contract` reads a directory (the packaged one by
default, optionally more) and checks requests and replies, returning
:class:`Violation` objects that name the field, the value and what the
contract wants.
"""

from __future__ import annotations

import json
from collections.abc import Collection, Iterable
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Any

import jsonschema
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT202012

from ..journal import mask_secrets

BASE_URI = "https://mock-tac.invalid/contract/"
ERROR_REPLY = "error"


@dataclass(frozen=True)
class Violation:
    """One way a request or reply breaks the contract.

    ``path`` is the dotted path to the field (empty for the whole object),
    ``schema`` the file that was applied.
    """

    path: str
    message: str
    schema: str

    def __str__(self) -> str:
        where = f"field '{self.path}'" if self.path else "the object"
        per = f" (per {self.schema})" if self.schema else ""
        return f"{where}: {self.message}{per}"


class ContractViolation(AssertionError):
    """Raised by the ``check_*`` helpers; ``violations`` lists every problem."""

    def __init__(self, what: str, value: Any, violations: list[Violation]) -> None:
        self.violations = violations
        shown = json.dumps(mask_secrets(value), ensure_ascii=False, sort_keys=True)
        lines = "\n".join(f"  - {v}" for v in violations)
        super().__init__(
            f"{what} breaks the MetaServlet contract:\n{lines}\n  got: {shown}"
        )


class SchemaError(ValueError):
    """A schema directory or file cannot be used; the message names it."""


class Contract:
    """The schemas of one or more directories, ready to validate against.

    Later directories override files of the same name in earlier ones, so a
    project can refine or add schemas without copying the packaged set.

    Raises:
        SchemaError: a directory does not exist, holds no ``*.json`` file, or
            holds a file that is not a JSON object; a misspelt path never
            leaves the project's own schemas silently unused.
    """

    def __init__(self, *directories: str | Path) -> None:
        self._schemas: dict[str, dict[str, Any]] = {}
        for directory in directories or (_packaged_directory(),):
            for path in _schema_files(Path(directory)):
                schema = _read_schema(path)
                # A file without $id still resolves "common.json#..." refs.
                self._schemas[path.name] = {"$id": BASE_URI + path.name, **schema}
        resources_ = [
            (
                schema["$id"],
                Resource.from_contents(schema, default_specification=DRAFT202012),
            )
            for name, schema in self._schemas.items()
        ]
        self._registry = Registry().with_resources(resources_)
        self._validators: dict[str, jsonschema.protocols.Validator] = {}

    @classmethod
    def extended(cls, *directories: str | Path) -> Contract:
        """The packaged schemas plus (and overridden by) those of ``directories``.

        Raises:
            SchemaError: as :class:`Contract` does, for a directory that does
                not exist or holds no schema file.
        """
        return cls(_packaged_directory(), *directories)

    def __repr__(self) -> str:
        return f"Contract(actions={self.actions()!r})"

    # -- what the contract covers -------------------------------------------

    def actions(self) -> list[str]:
        """Actions with a request or reply schema of their own."""
        names = set()
        for name in self._schemas:
            action, _, kind = name.partition(".")
            if kind.startswith(("request.", "reply.")) and action not in (
                "request",
                "reply",
                "error",
                "common",
            ):
                names.add(action)
        return sorted(names)

    def reply_variants(self, action: str) -> list[str]:
        """The named successful replies of ``action`` (``[""]`` for a single one)."""
        variants = []
        for name in self._schemas:
            if name == f"{action}.reply.json":
                variants.append("")
            elif name.startswith(f"{action}.reply.") and name.endswith(".json"):
                variants.append(name[len(f"{action}.reply.") : -len(".json")])
        return sorted(variants)

    def schema(self, name: str) -> dict[str, Any]:
        """The schema held in file ``name`` (e.g. ``runTask.request.json``)."""
        return self._schemas[name]

    # -- validation ----------------------------------------------------------

    def validate_request(
        self, params: Any, known_actions: Collection[str] | None = None
    ) -> list[Violation]:
        """Every way a decoded request breaks the contract (empty when it keeps it).

        The request of an action without a schema of its own is checked against
        ``request.json`` only. An ``actionName`` that neither has a schema nor
        is in ``known_actions`` (by default: the commands the mock emulates)
        is a violation too.
        """
        violations = self._validate("request.json", params)
        if violations or not isinstance(params, dict):
            return violations
        action = params["actionName"]
        name = f"{action}.request.json"
        if name in self._schemas:
            return self._validate(name, params)
        if known_actions is None:
            known_actions = _emulated_actions()
        if action not in known_actions and action not in self.actions():
            return [
                Violation(
                    "actionName",
                    f"unknown command {action!r}: not in the contract nor emulated",
                    "request.json",
                )
            ]
        return []

    def validate_reply(
        self, action: str | None, reply: Any, variant: str | None = None
    ) -> list[Violation]:
        """Every way a reply to ``action`` breaks the contract.

        A reply with a non-zero ``returnCode`` must be the generic error reply;
        ``variant="error"`` demands one. Otherwise the reply must match
        ``variant`` when given, else any of the action's variants (the
        violations reported are those of the closest variant).
        """
        if variant == ERROR_REPLY or _is_refusal(reply):
            if variant not in (None, ERROR_REPLY):
                return [self._refused(action, reply, variant)]
            return self._validate("error.reply.json", reply)

        variants = self.reply_variants(action) if action else []
        if variant is not None:
            if variant not in variants:
                known = ", ".join(repr(v) for v in variants) or "none"
                raise KeyError(f"{action} has no reply variant {variant!r} ({known})")
            variants = [variant]
        if not variants:
            return self._validate("reply.json", reply)

        best: list[Violation] | None = None
        for name in variants:
            found = self._validate(_reply_file(action or "", name), reply)
            if not found:
                return []
            if best is None or len(found) < len(best):
                best = found
        return best or []

    def _refused(self, action: str | None, reply: Any, variant: str) -> Violation:
        """A refusal where a successful reply (of ``variant``) was demanded."""
        schema = _reply_file(action, variant) if action else "reply.json"
        if schema not in self._schemas:
            schema = "reply.json"
        error = reply.get("error") if isinstance(reply, dict) else None
        why = f" ({json.dumps(error, ensure_ascii=False)})" if error else ""
        return Violation(
            "returnCode",
            f"expected 0 (a successful reply), got {_code(reply)}{why}",
            schema,
        )

    def check_request(self, params: Any) -> None:
        """Raise :class:`ContractViolation` unless the request keeps the contract."""
        violations = self.validate_request(params)
        if violations:
            raise ContractViolation("request", params, violations)

    def check_reply(
        self, action: str | None, reply: Any, variant: str | None = None
    ) -> None:
        """Raise :class:`ContractViolation` unless the reply keeps the contract."""
        violations = self.validate_reply(action, reply, variant)
        if violations:
            what = f"reply to {action}" + (f" ({variant})" if variant else "")
            raise ContractViolation(what, reply, violations)

    def _validate(self, name: str, value: Any) -> list[Violation]:
        validator = self._validators.get(name)
        if validator is None:
            schema = self._schemas[name]
            cls = jsonschema.validators.validator_for(
                schema, default=jsonschema.Draft202012Validator
            )
            validator = cls(schema, registry=self._registry)
            self._validators[name] = validator
        errors = sorted(validator.iter_errors(value), key=lambda e: list(e.path))
        found: dict[tuple[str, str], Violation] = {}
        for error in _leaves(errors):
            violation = Violation(_path(error), _describe(error), name)
            found.setdefault((violation.path, violation.message), violation)
        return list(found.values())


def _leaves(errors: Iterable[jsonschema.ValidationError]) -> list[Any]:
    """The most specific errors: those of sub-schemas rather than their wrappers."""
    found = []
    for error in errors:
        if error.context and error.validator not in ("oneOf", "anyOf"):
            found.extend(_leaves(error.context))
        else:
            found.append(error)
    return found


def _path(error: jsonschema.ValidationError) -> str:
    return ".".join(str(p) for p in error.absolute_path)


def _describe(error: jsonschema.ValidationError) -> str:
    value = mask_secrets(error.instance)
    if error.validator == "required":
        missing = error.message.split("'")[1] if "'" in error.message else "?"
        return f"missing required field '{missing}'"
    if error.validator == "not" and isinstance(error.validator_value, dict):
        banned = error.validator_value.get("required")
        if banned:
            return f"must not carry {', '.join(repr(b) for b in banned)}"
    if error.validator == "const":
        return f"expected {error.validator_value!r}, got {value!r}"
    if error.validator == "enum":
        return f"expected one of {error.validator_value!r}, got {value!r}"
    if error.validator == "type":
        return f"expected {error.validator_value}, got {_json_type(value)} {value!r}"
    if error.validator == "oneOf":
        forms = error.schema.get("description") or "see the schema"
        return f"{value!r} matches none of the allowed forms: {forms}"
    if error.validator == "pattern":
        return f"{value!r} does not match {error.validator_value!r}"
    return error.message


def _json_type(value: Any) -> str:
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, int | float):
        return "number"
    if isinstance(value, str):
        return "string"
    if isinstance(value, list):
        return "array"
    if isinstance(value, dict):
        return "object"
    return "null"


def _is_refusal(reply: Any) -> bool:
    return isinstance(reply, dict) and reply.get("returnCode", 0) != 0


def _code(reply: Any) -> Any:
    return reply.get("returnCode") if isinstance(reply, dict) else None


def _reply_file(action: str, variant: str) -> str:
    return f"{action}.reply.{variant}.json" if variant else f"{action}.reply.json"


def _emulated_actions() -> Collection[str]:
    from ..engine import COMMANDS  # the engine registers every command on import

    return COMMANDS


def _schema_files(directory: Path) -> list[Path]:
    if not directory.exists():
        raise SchemaError(f"schema directory {str(directory)!r} does not exist")
    if not directory.is_dir():
        raise SchemaError(f"schema directory {str(directory)!r} is not a directory")
    files = sorted(directory.glob("*.json"))
    if not files:
        raise SchemaError(
            f"schema directory {str(directory)!r} holds no schema files (*.json)"
        )
    return files


def _read_schema(path: Path) -> dict[str, Any]:
    try:
        schema = json.loads(path.read_text("utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise SchemaError(f"cannot read schema {str(path)!r}: {exc}") from None
    if not isinstance(schema, dict):
        raise SchemaError(f"schema {str(path)!r} is not a JSON object")
    return schema


def _packaged_directory() -> Path:
    return Path(str(resources.files("mock_tac.contract").joinpath("schemas")))


_DEFAULT: Contract | None = None


def default_contract() -> Contract:
    """The contract of the packaged schemas (read once)."""
    global _DEFAULT
    if _DEFAULT is None:
        _DEFAULT = Contract()
    return _DEFAULT
