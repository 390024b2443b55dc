"""Hypothesis strategies for MetaServlet requests, scenarios and client checks.

Requests come as :class:`WireRequest`: the raw text a client puts on the wire
plus what it should decode to. Three families:

* :func:`well_formed_requests`: every emulated command, in every encoding
  real clients use (standard or URL-safe Base64, padded or not,
  percent-encoded, line-wrapped, GET or POST; compact, spaced, pretty, CRLF,
  single-quoted or unquoted-key JSON; ids as numbers or numeric strings);
* :func:`malformed_requests`: invalid Base64, not UTF-8, not JSON, not an
  object, wrong types, missing fields, unknown actions, huge and non-ASCII
  values; each labelled with the ``defect`` it carries;
* :func:`scenario_data` / :func:`scenarios`: users and tasks with lifecycles
  (durations, poll-counted phases, outcomes, exit codes) for the engine, and
  :func:`check_cases`, the situations ``mock-tac check-client`` puts a client in.

Everything shrinks towards the simplest value: a compact, padded, standard
GET request; a one-phase task that ends OK with exit code 0.

Example::

    from hypothesis import given
    from mock_tac.contract import strategies as tac

    @given(tac.well_formed_requests())
    def test_every_request_is_answered(request):
        reply = engine.handle_raw(request.raw, request.method).reply
        assert reply["returnCode"] in tac.documented_codes()
"""

from __future__ import annotations

import base64
import json
from dataclasses import dataclass, field
from typing import Any

from hypothesis import strategies as st

from ..protocol import encode_request
from .cases import SITUATIONS, CheckCase

#: The login and password of the built-in scenario.
DEFAULT_USER = "admin@company.com"
DEFAULT_PASSWORD = "admin"
#: Task ids of the built-in scenario.
DEFAULT_TASK_IDS = (1, 2, 3, 4, 5, 6)

_ALPHANUMERIC = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"
JSON_STYLES = ("compact", "spaced", "pretty", "crlf", "single-quoted", "unquoted-keys")


@dataclass(frozen=True)
class WireRequest:
    """One request as sent: HTTP ``method`` and the ``raw`` query string or body.

    ``params`` is what a correct server decodes (None when the text is not a
    JSON object at all); ``style`` says how it was encoded; ``defect`` names
    what is wrong with a malformed request (empty for a well-formed one).
    """

    method: str
    raw: bytes
    params: dict[str, Any] | None
    style: dict[str, Any] = field(default_factory=dict)
    defect: str = ""

    @property
    def action(self) -> Any:
        return (self.params or {}).get("actionName")

    def url(self, servlet_url: str) -> str:
        """The URL to request: the servlet URL, plus the query string for a GET."""
        if self.method == "GET":
            return f"{servlet_url}?{self.raw.decode('latin-1')}"
        return servlet_url

    def send(self, session: Any, servlet_url: str, timeout: float = 30) -> Any:
        """Send with a ``requests`` session; returns its response."""
        if self.method == "GET":
            return session.get(self.url(servlet_url), timeout=timeout)
        return session.post(servlet_url, data=self.raw, timeout=timeout)

    def __repr__(self) -> str:
        shown = self.raw[:60].decode("latin-1") + ("..." if len(self.raw) > 60 else "")
        extra = f", defect={self.defect!r}" if self.defect else ""
        return f"WireRequest({self.method} {shown!r}, style={self.style}{extra})"


# -- values ------------------------------------------------------------------


def ids(values: Any) -> st.SearchStrategy[Any]:
    """An id as clients send it: a JSON number or a numeric string (``"8"``)."""
    base = values if isinstance(values, st.SearchStrategy) else st.sampled_from(values)
    return base.flatmap(lambda n: st.sampled_from([n, str(n)]))


def exec_request_ids() -> st.SearchStrategy[str]:
    """Ids in TAC's format, ``<13-digit epoch millis>_<5 alphanumerics>``."""
    return st.builds(
        lambda millis, suffix: f"{millis:013d}_{suffix}",
        st.integers(1_000_000_000_000, 9_999_999_999_999),
        st.text(_ALPHANUMERIC, min_size=5, max_size=5),
    )


def _emulated() -> dict[str, Any]:
    from ..engine import COMMANDS  # importing the engine registers every command

    return COMMANDS


def documented_codes() -> frozenset[int]:
    """Every returnCode TAC documents: the generic ones and each command's own."""
    from .. import codes

    found = set(codes.GENERIC_CODES)
    for command in _emulated().values():
        found.update(command.error_codes)
    return frozenset(found)


# -- parameters --------------------------------------------------------------


def run_task_params(
    task_ids: Any = DEFAULT_TASK_IDS,
    user: str = DEFAULT_USER,
    password: str = DEFAULT_PASSWORD,
) -> st.SearchStrategy[dict[str, Any]]:
    """Well-formed runTask parameters, optionally with context and jvmParams."""
    context = st.dictionaries(
        st.from_regex(r"[A-Za-z_][A-Za-z0-9_]{0,11}", fullmatch=True),
        st.text(max_size=20),
        max_size=3,
    )
    jvm = st.lists(st.sampled_from(["-Xmx256m", "-Xms64m", "-Dfile.encoding=UTF-8"]))
    return st.fixed_dictionaries(
        {
            "actionName": st.just("runTask"),
            "authUser": st.just(user),
            "authPass": st.just(password),
            "taskId": ids(task_ids),
            "mode": st.sampled_from(["synchronous", "asynchronous"]),
        },
        optional={"context": context, "jvmParams": jvm},
    )


def execution_status_params(
    exec_ids: st.SearchStrategy[str] | None = None,
    user: str = DEFAULT_USER,
    password: str = DEFAULT_PASSWORD,
) -> st.SearchStrategy[dict[str, Any]]:
    """Well-formed getTaskExecutionStatus parameters (ids need not exist)."""
    return st.fixed_dictionaries(
        {
            "actionName": st.just("getTaskExecutionStatus"),
            "authUser": st.just(user),
            "authPass": st.just(password),
            "execRequestId": exec_ids or exec_request_ids(),
        },
        optional={"taskId": ids(DEFAULT_TASK_IDS)},
    )


def command_params(
    action: str,
    task_ids: Any = DEFAULT_TASK_IDS,
    user: str = DEFAULT_USER,
    password: str = DEFAULT_PASSWORD,
) -> st.SearchStrategy[dict[str, Any]]:
    """Well-formed parameters of any emulated command.

    runTask and getTaskExecutionStatus have strategies of their own; any other
    command sends its help sample, with the given credentials and a task id.
    """
    if action == "runTask":
        return run_task_params(task_ids, user, password)
    if action == "getTaskExecutionStatus":
        return execution_status_params(user=user, password=password)
    command = _emulated()[action]
    sample = dict(command.sample)
    sample["actionName"] = action
    if "authUser" in sample or command.requires_auth:
        sample.update(authUser=user, authPass=password)
    if "taskId" in sample:
        return ids(task_ids).map(lambda task_id: {**sample, "taskId": task_id})
    return st.just(sample)


def well_formed_params(
    task_ids: Any = DEFAULT_TASK_IDS,
    user: str = DEFAULT_USER,
    password: str = DEFAULT_PASSWORD,
) -> st.SearchStrategy[dict[str, Any]]:
    """Parameters of any emulated command (the registry is read at draw time)."""
    return st.sampled_from(sorted(_emulated())).flatmap(
        lambda action: command_params(action, task_ids, user, password)
    )


# -- encodings ---------------------------------------------------------------


def encodings() -> st.SearchStrategy[dict[str, Any]]:
    """How a client encodes a request; shrinks to compact, padded, standard GET."""
    return st.fixed_dictionaries(
        {
            "method": st.sampled_from(["GET", "POST"]),
            "urlsafe": st.booleans(),
            "padded": st.booleans().map(lambda b: not b),
            "percent": st.booleans(),
            "wrap": st.sampled_from([0, 76, 64]),
            "json": st.sampled_from(JSON_STYLES),
        }
    ).map(_realistic)


def _realistic(style: dict[str, Any]) -> dict[str, Any]:
    # Raw line breaks cannot travel in a URL: a GET wraps only percent-encoded.
    if style["method"] == "GET" and style["wrap"] and not style["percent"]:
        return {**style, "percent": True}
    return style


def json_text(params: dict[str, Any], style: str) -> str:
    """``params`` written in one of the JSON styles clients use."""
    if style == "compact":
        return json.dumps(params, separators=(",", ":"), ensure_ascii=False)
    if style == "spaced":
        return json.dumps(params)
    if style == "pretty":
        return json.dumps(params, indent=2, ensure_ascii=False)
    if style == "crlf":
        return json.dumps(params, indent=3).replace("\n", "\r\n")
    if style == "single-quoted":
        return _lenient(params, quote_keys=True)
    if style == "unquoted-keys":
        return _lenient(params, quote_keys=False)
    raise ValueError(f"unknown JSON style {style!r}: expected one of {JSON_STYLES}")


def _lenient(value: Any, quote_keys: bool) -> str:
    """Single-quoted JSON5, the form TAC 8.0's documentation shows."""
    if isinstance(value, dict):
        items = []
        for key, item in value.items():
            shown = _single(key) if quote_keys or not key.isidentifier() else key
            items.append(f"{shown}: {_lenient(item, quote_keys)}")
        return "{" + ", ".join(items) + "}"
    if isinstance(value, list):
        return "[" + ", ".join(_lenient(v, quote_keys) for v in value) + "]"
    if isinstance(value, str):
        return _single(value)
    return json.dumps(value)


def _single(text: str) -> str:
    body = json.dumps(text, ensure_ascii=False)[1:-1].replace('\\"', '"')
    return "'" + body.replace("'", "\\'") + "'"


def encode(params: dict[str, Any], style: dict[str, Any]) -> WireRequest:
    """Encode ``params`` as :func:`encodings` describes."""
    text = json_text(params, style["json"])
    raw = encode_request(
        params,
        urlsafe=style["urlsafe"],
        padded=style["padded"],
        percent=style["percent"],
        wrap=style["wrap"],
        json_text=text,
    )
    return WireRequest(style["method"], raw.encode("ascii"), params, style)


def well_formed_requests(
    params: st.SearchStrategy[dict[str, Any]] | None = None,
) -> st.SearchStrategy[WireRequest]:
    """Well-formed requests of every emulated command, in every encoding."""
    return st.builds(encode, params or well_formed_params(), encodings())


# -- malformed requests ------------------------------------------------------


def _b64(data: bytes) -> bytes:
    return base64.b64encode(data)


def _raw(defect: str, raw: bytes, method: str = "GET") -> WireRequest:
    return WireRequest(method, raw, None, {"method": method}, defect)


def _object(defect: str, params: dict[str, Any], method: str) -> WireRequest:
    text = json.dumps(params, ensure_ascii=False).encode("utf-8")
    return WireRequest(method, _b64(text), params, {"method": method}, defect)


_methods = st.sampled_from(["GET", "POST"])
_wrong_values = st.one_of(
    st.booleans(),
    st.lists(st.integers(), max_size=2),
    st.dictionaries(st.text(max_size=3), st.integers(), max_size=2),
    st.none(),
    st.floats(allow_nan=False, allow_infinity=False).filter(lambda f: f != int(f)),
    st.text(min_size=1, max_size=10).filter(
        lambda s: not s.strip().lstrip("+-").isdigit()
    ),
)
_non_ascii = st.text(
    st.characters(min_codepoint=0x80, max_codepoint=0x2FFF, exclude_categories=["Cs"]),
    min_size=1,
    max_size=30,
)


def _not_base64() -> st.SearchStrategy[WireRequest]:
    text = st.text("{}\"':,!@#$^&*()[]<> abcXYZ019éü", min_size=1, max_size=60).filter(
        lambda s: any(c in s for c in "{}\"':,!@#$^&*()[]<>éü")
    )
    plain_json = st.sampled_from(
        ['{"actionName":"help"}', '{"actionName":"runTask","taskId":1}']
    )
    return st.builds(
        lambda t, m: _raw("not Base64", t.encode("utf-8"), m),
        st.one_of(plain_json, text),
        _methods,
    )


def _impossible_length() -> st.SearchStrategy[WireRequest]:
    return st.builds(
        lambda n, m: _raw("Base64 of impossible length", b"QUJD" * n + b"Q", m),
        st.integers(0, 20),
        _methods,
    )


def _not_utf8() -> st.SearchStrategy[WireRequest]:
    bad = st.binary(min_size=1, max_size=30).map(lambda b: b"\xff" + b)
    return st.builds(lambda b, m: _raw("not UTF-8", _b64(b), m), bad, _methods)


def _not_json() -> st.SearchStrategy[WireRequest]:
    text = st.sampled_from(
        ["actionName=runTask", "{actionName: ", "<xml/>", "{'a': }", "[1, 2", "}{"]
    )
    return st.builds(
        lambda t, m: _raw("not JSON", _b64(t.encode("utf-8")), m), text, _methods
    )


def _not_object() -> st.SearchStrategy[WireRequest]:
    values = st.one_of(
        st.lists(st.integers(), max_size=3),
        st.text(max_size=10),
        st.integers(),
        st.booleans(),
        st.none(),
    )
    return st.builds(
        lambda v, m: _raw("not an object", _b64(json.dumps(v).encode()), m),
        values,
        _methods,
    )


def _bad_action() -> st.SearchStrategy[WireRequest]:
    def make(
        params: dict[str, Any], value: Any, drop: bool, method: str
    ) -> WireRequest:
        params = dict(params)
        if drop:
            del params["actionName"]
            return _object("missing actionName", params, method)
        params["actionName"] = value
        return _object("actionName not a string", params, method)

    wrong = _wrong_values.filter(lambda v: not isinstance(v, str))
    return st.builds(make, run_task_params(), wrong, st.booleans(), _methods)


def _unknown_action() -> st.SearchStrategy[WireRequest]:
    names = st.one_of(
        st.sampled_from(["listCommands", "getTaskLog", "resumeTask", "RUNTASK", "run"]),
        st.text(min_size=1, max_size=20),
        _non_ascii,
    ).filter(lambda n: n not in _emulated() and n.strip() != "")
    return st.builds(
        lambda n, m: _object(
            "unknown action",
            {"actionName": n, "authUser": DEFAULT_USER, "authPass": DEFAULT_PASSWORD},
            m,
        ),
        names,
        _methods,
    )


#: Fields whose absence makes each request invalid.
_REQUIRED = {
    "runTask": ("authUser", "authPass", "taskId", "mode"),
    "getTaskExecutionStatus": ("authUser", "authPass", "execRequestId"),
}
#: Fields and a strategy of values of the wrong type or out of range.
_WRONG = {
    "runTask": {
        "taskId": _wrong_values,
        "mode": st.one_of(
            st.sampled_from(["sync", "async", "SYNCHRONOUS", ""]), _wrong_values
        ),
        "context": st.one_of(st.lists(st.text(max_size=3), max_size=2), st.integers()),
        "jvmParams": st.one_of(st.integers(), st.lists(st.integers(), min_size=1)),
        "authUser": st.one_of(st.integers(), st.lists(st.integers())),
    },
    "getTaskExecutionStatus": {
        "execRequestId": st.one_of(
            st.integers(), st.lists(st.integers()), st.booleans()
        ),
        "authPass": st.one_of(st.integers(), st.none()),
    },
}


def _missing_field() -> st.SearchStrategy[WireRequest]:
    def make(params: dict[str, Any], index: int, method: str) -> WireRequest:
        required = _REQUIRED[params["actionName"]]
        name = required[index % len(required)]
        params = {k: v for k, v in params.items() if k != name}
        return _object(f"missing {name}", params, method)

    params = st.one_of(run_task_params(), execution_status_params())
    return st.builds(make, params, st.integers(0, 3), _methods)


def _wrong_type() -> st.SearchStrategy[WireRequest]:
    def make(draw_params: Any) -> Any:
        action, fields = draw_params
        return st.sampled_from(sorted(fields)).flatmap(
            lambda name: st.builds(
                lambda params, value, method: _object(
                    f"wrong type of {name}", {**params, name: value}, method
                ),
                command_params(action),
                fields[name],
                _methods,
            )
        )

    return st.sampled_from(sorted(_WRONG.items())).flatmap(make)


def _huge_or_foreign() -> st.SearchStrategy[WireRequest]:
    huge = st.integers(10_000, 200_000).map(lambda n: "x" * n)
    huge_digits = st.integers(5_000, 50_000).map(lambda n: "9" * n)
    field_value = st.sampled_from(["taskId", "authUser", "execRequestId", "mode"])

    def make(name: str, value: str, method: str) -> WireRequest:
        action = "getTaskExecutionStatus" if name == "execRequestId" else "runTask"
        params = {
            "actionName": action,
            "authUser": DEFAULT_USER,
            "authPass": DEFAULT_PASSWORD,
            "taskId": 1,
            "mode": "asynchronous",
            "execRequestId": "1406817216723_97nsV",
            name: value,
        }
        if len(value) > 1000:
            # A URL this long is refused by the HTTP server (Tomcat: 8 kB of
            # headers) before the servlet sees it: huge requests come by POST.
            return _object(f"huge value in {name}", params, "POST")
        return _object(f"non-ASCII value in {name}", params, method)

    return st.builds(
        make, field_value, st.one_of(huge, huge_digits, _non_ascii), _methods
    )


def malformed_requests() -> st.SearchStrategy[WireRequest]:
    """Requests a correct server must refuse with HTTP 200 and a non-zero returnCode.

    ``WireRequest.defect`` names the flaw; ``params`` is the object sent when
    the Base64 and JSON themselves are fine.
    """
    return st.one_of(
        _not_base64(),
        _impossible_length(),
        _not_utf8(),
        _not_json(),
        _not_object(),
        _bad_action(),
        _unknown_action(),
        _missing_field(),
        _wrong_type(),
        _huge_or_foreign(),
    )


# -- scenarios ---------------------------------------------------------------


def phases(max_seconds: float = 5.0) -> st.SearchStrategy[dict[str, Any]]:
    """One phase: some seconds of clock time, or some status polls."""
    return st.one_of(
        st.builds(
            lambda s: {"seconds": s},
            st.integers(0, int(max_seconds * 4)).map(lambda quarter: quarter / 4),
        ),
        st.builds(lambda n: {"polls": n}, st.integers(1, 4)),
    )


def outcomes() -> st.SearchStrategy[tuple[str, int]]:
    """(outcome, exit code): ok/0, error/non-zero, and both crossed ones.

    A job can end OK with a non-zero jobExitCode (and in error with 0); a
    client must read both fields to tell.
    """
    return st.one_of(
        st.just(("ok", 0)),
        st.tuples(st.just("error"), st.integers(1, 255)),
        st.tuples(st.just("ok"), st.integers(1, 255)),
        st.just(("error", 0)),
    )


def lifecycles(max_phases: int = 3) -> st.SearchStrategy[dict[str, Any]]:
    """A lifecycle as a scenario file writes it: phases, outcome, exit_code."""
    return st.builds(
        lambda ps, end: {"phases": ps, "outcome": end[0], "exit_code": end[1]},
        st.lists(phases(), min_size=1, max_size=max_phases),
        outcomes(),
    )


def task_data(task_id: int, label: str) -> st.SearchStrategy[dict[str, Any]]:
    """A task with a lifecycle and, sometimes, runs that differ."""
    runs = st.lists(
        st.builds(
            lambda run, life: {"run": run, **life}, st.integers(1, 3), lifecycles()
        ),
        max_size=2,
        unique_by=lambda r: r["run"],
    )
    return st.fixed_dictionaries(
        {"id": st.just(task_id), "label": st.just(label), "lifecycle": lifecycles()},
        optional={"runs": runs, "concurrent": st.booleans()},
    )


def scenario_data(max_tasks: int = 4) -> st.SearchStrategy[dict[str, Any]]:
    """Scenario file content: one user who may run tasks, one who may not, tasks."""
    users = st.just(
        [
            {"login": DEFAULT_USER, "password": DEFAULT_PASSWORD},
            {"login": "viewer@company.com", "password": "viewer", "can_run": False},
        ]
    )
    labels = st.from_regex(r"[a-z][a-z0-9_]{0,11}", fullmatch=True)
    tasks = st.lists(labels, min_size=1, max_size=max_tasks, unique=True).flatmap(
        lambda names: st.tuples(
            *[task_data(i + 1, name) for i, name in enumerate(names)]
        ).map(list)
    )
    return st.builds(lambda u, t: {"users": u, "tasks": t}, users, tasks)


def scenarios(max_tasks: int = 4) -> st.SearchStrategy[Any]:
    """:class:`~mock_tac.Scenario` objects built from :func:`scenario_data`."""
    from ..scenario import parse_scenario

    return scenario_data(max_tasks).map(lambda data: parse_scenario(data, "generated"))


# -- client checks -----------------------------------------------------------

#: Characters a client must escape or encode with care: JSON's quote and
#: backslash, control characters (``\n``, ``\t``...), non-ASCII, and characters
#: outside the BMP, which JSON writes as a surrogate pair (``\ud83d\ude00``).
_AWKWARD = "abcXYZ019 \"'\\!$%&/:;@éß€\n\t\r\x01\x1f\x7f\u2028😀𝄞"


def passwords() -> st.SearchStrategy[str]:
    """Passwords for check cases, shrinking towards a plain alphanumeric one.

    Beyond letters and digits: quotes, backslashes, control characters and
    any Unicode a command line can carry (everything but NUL and lone
    surrogates, which no argv can hold).
    """
    return st.one_of(
        st.from_regex(r"[A-Za-z0-9]{1,12}", fullmatch=True),
        st.text(st.sampled_from(_AWKWARD), min_size=1, max_size=12),
        st.text(
            st.characters(codec="utf-8", exclude_characters="\x00"),
            min_size=1,
            max_size=12,
        ),
    )


_PASSWORDS = passwords()


def check_cases(
    situations: tuple[str, ...] = SITUATIONS,
) -> st.SearchStrategy[CheckCase]:
    """The situations ``check-client`` puts a client in, simplest first.

    A task run that ends some way (``run``), or an API refusal: wrong
    password, unknown task, task already running, no right to run.
    """
    return st.builds(
        CheckCase,
        # A plain run about half the time: it has the most ways to go wrong.
        situation=st.one_of(st.just(situations[0]), st.sampled_from(situations)),
        task_id=st.integers(1, 99_999),
        task_name=st.from_regex(r"[a-z][a-z0-9_]{0,15}", fullmatch=True),
        user=st.sampled_from([DEFAULT_USER, "ops@example.com", "jane.doe@acme.io"]),
        password=_PASSWORDS,
        phases=st.lists(phases(), min_size=1, max_size=3).map(tuple),
        outcome=outcomes(),
    )
