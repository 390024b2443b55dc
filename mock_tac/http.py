"""The HTTP transport: a Flask app serving MetaServlet over a :class:`MockTac`.

Routes:

* ``GET|POST /<context>/metaServlet``: the namespace ``default``;
* ``GET|POST /ns/<namespace>/<context>/metaServlet``: an isolated namespace.

Anything else gets a 404 HTML page, as a servlet container answers. Every
request that reaches the servlet gets HTTP 200 and a JSON object, unless a
transport fault (see :mod:`mock_tac.faults`) says otherwise. The admin API
lives under ``/_admin`` (see :mod:`mock_tac.admin`).
"""

from __future__ import annotations

import html
import json
import logging
import socket
import struct
import time

from flask import Flask, Response, request

from . import admin, faults
from .engine import CLIENT_GONE, Engine, Outcome
from .mock import (
    DEFAULT_NAMESPACE,
    NAMESPACE_PATTERN,
    NAMESPACE_PREFIX,
    SERVLET,
    MockTac,
)
from .protocol import DecodedRequest, ProtocolError, encode_reply, try_decode

log = logging.getLogger("mock_tac.http")

JSON_CONTENT_TYPE = "application/json;charset=UTF-8"
#: What a servlet implementing doGet and doPost announces to OPTIONS.
SERVLET_METHODS = "GET, HEAD, POST, OPTIONS"
#: Larger requests are refused with returnCode 2 without being read.
MAX_REQUEST_BYTES = 8 * 1024 * 1024


def create_app(
    mock: MockTac, *, admin_enabled: bool = True, admin_token: str | None = None
) -> Flask:
    """The Flask application serving ``mock``.

    The admin API answers under ``/_admin`` when ``admin_enabled``; with an
    ``admin_token`` every admin request must carry it (see :mod:`.admin`).
    """
    app = Flask("mock_tac")
    app.config["MOCK_TAC"] = mock
    app.register_blueprint(
        admin.blueprint(mock, enabled=admin_enabled, token=admin_token)
    )

    @app.route(
        "/<path:path>",
        methods=["GET", "HEAD", "POST", "PUT", "DELETE", "PATCH", "OPTIONS", "TRACE"],
        provide_automatic_options=False,
    )
    def dispatch(path: str) -> Response:
        namespace = _servlet_namespace(mock, path)
        if namespace is None:
            return not_found(request.path)
        if request.method == "OPTIONS":
            return Response(status=200, headers={"Allow": SERVLET_METHODS})
        if request.method not in ("GET", "HEAD", "POST"):
            return _method_not_allowed(request.method)
        # As a servlet's doHead does: the GET is answered, its body dropped.
        return _serve_metaservlet(mock, namespace)

    @app.route("/", methods=["GET", "POST"])
    def root() -> Response:
        return not_found("/")

    return app


def _servlet_namespace(mock: MockTac, path: str) -> str | None:
    """The namespace a path addresses, or None when it is not the servlet."""
    parts = path.split("/")
    if parts[-1] != SERVLET or parts[-2:-1] != [mock.context_path]:
        return None
    if len(parts) == 2:
        return DEFAULT_NAMESPACE
    if (
        len(parts) == 4
        and parts[0] == NAMESPACE_PREFIX
        and NAMESPACE_PATTERN.fullmatch(parts[1])
    ):
        return parts[1]
    return None


def _serve_metaservlet(mock: MockTac, namespace: str) -> Response:
    started = time.monotonic()
    engine = mock.engine(namespace)
    transport = {
        "method": request.method,
        "path": request.path,
        "namespace": namespace,
        "remote": request.remote_addr,
    }
    raw = _raw_request()
    decoded = try_decode(raw, request.method) if raw is not None else None
    params = decoded.params if isinstance(decoded, DecodedRequest) else None
    fired = faults.fire_transport(engine, params)
    if fired:
        transport = faults.note(transport, fired) or transport
        faulted = _apply_transport_faults(
            engine, fired, raw, decoded, transport, started
        )
        if faulted is not None:
            return faulted
    if raw is None:
        message = f"Invalid request: larger than {MAX_REQUEST_BYTES} bytes"
        outcome = engine.refuse(message, request.method, transport)
    else:
        gone = request.environ.get("waitress.client_disconnected", _never)
        token = CLIENT_GONE.set(gone)
        try:
            outcome = engine.handle_raw(raw, request.method, transport, decoded=decoded)
        finally:
            CLIENT_GONE.reset(token)
    _log_request(namespace, outcome, started)
    return Response(
        encode_reply(outcome.reply), status=200, content_type=JSON_CONTENT_TYPE
    )


def _never() -> bool:
    return False


def _raw_request() -> bytes | None:
    """The raw Base64 text: the query string of a GET, the body of a POST.

    A POST with an empty body falls back to its query string. Returns None
    when the body is too large to read.
    """
    if request.method == "POST":
        if (request.content_length or 0) > MAX_REQUEST_BYTES:
            return None
        body = request.get_data(cache=False, parse_form_data=False)
        if body.strip():
            return body
    return request.query_string


def _log_request(namespace: str, outcome: Outcome, started: float) -> None:
    """One line per request: action, task, execution, returnCode, duration.

    A request a transport fault kept from the engine has no returnCode: its
    line names the fault instead.
    """
    entry = outcome.entry
    words = [f"{request.method} {_loggable(entry.action or '-')}"]
    if namespace != DEFAULT_NAMESPACE:
        words.append(f"ns={namespace}")
    if entry.task_id is not None:
        words.append(f"task={_loggable(entry.task_id)}")
    if entry.exec_request_id:
        words.append(f"exec={_loggable(entry.exec_request_id)}")
    if entry.return_code is not None:
        words.append(f"returnCode={entry.return_code}")
    if entry.transport.get("faults"):
        words.append("faults=" + ",".join(entry.transport["faults"]))
    words.append(f"{(time.monotonic() - started) * 1000:.0f}ms")
    log.info(" ".join(words))


def _loggable(value: object, limit: int = 40) -> str:
    """A client-sent value made safe for one log line (no newlines, bounded)."""
    text = value if isinstance(value, str) else json.dumps(value)
    text = text.encode("unicode_escape").decode("ascii")
    return text[:limit] + ("..." if len(text) > limit else "")


def not_found(path: str) -> Response:
    """A 404 page in the style of a servlet container."""
    body = (
        '<!doctype html><html lang="en"><head><title>HTTP Status 404 – Not Found'
        "</title></head><body><h1>HTTP Status 404 – Not Found</h1><hr/>"
        f"<p><b>Type</b> Status Report</p><p><b>Message</b> {html.escape(path)}</p>"
        "<p><b>Description</b> The origin server did not find a current "
        "representation for the target resource or is not willing to disclose "
        "that one exists.</p><hr/></body></html>"
    )
    return Response(body, status=404, content_type="text/html;charset=utf-8")


def _method_not_allowed(method: str) -> Response:
    body = (
        '<!doctype html><html lang="en"><head><title>HTTP Status 405 – Method Not '
        "Allowed</title></head><body><h1>HTTP Status 405 – Method Not Allowed</h1>"
        f"<p><b>Message</b> HTTP method {html.escape(method)} is not supported by "
        "this URL</p></body></html>"
    )
    return Response(
        body,
        status=405,
        content_type="text/html;charset=utf-8",
        headers={"Allow": SERVLET_METHODS},
    )


# -- transport faults ---------------------------------------------------------


def _apply_transport_faults(
    engine: Engine,
    fired: list[faults.FaultSpec],
    raw: bytes | None,
    decoded: DecodedRequest | ProtocolError | None,
    transport: dict,
    started: float,
) -> Response | None:
    """Delay, then answer as the first non-latency fault says (None: as usual)."""
    released = engine.faults.released
    for spec in fired:
        if spec.fault == "latency":
            released.wait(engine.faults.draw_seconds(spec))
    spec = next((s for s in fired if s.fault != "latency"), None)
    if spec is None:
        return None

    body = b""
    if spec.passes_to_engine and raw is not None:
        outcome = engine.handle_raw(raw, request.method, transport, decoded=decoded)
        body = encode_reply(outcome.reply)
    else:
        params = decoded.params if isinstance(decoded, DecodedRequest) else None
        entry = faults.journal_unanswered(engine, params, transport)
        outcome = Outcome(reply={}, entry=entry)
    if spec.fault == "hang":
        _hang(engine, spec, released)
    _log_request(transport["namespace"], outcome, started)
    return _faulty_response(spec, body)


def _faulty_response(spec: faults.FaultSpec, body: bytes) -> Response:
    """What the client receives instead of (or in place of) the reply ``body``."""
    if spec.fault == "http_error":
        return _error_page(spec.status or 500)
    if spec.fault in ("reset", "hang"):
        return _reset_connection()
    if spec.fault == "truncated":
        return Response(
            iter([body[: len(body) // 2]]),
            status=200,
            headers={"Content-Length": str(len(body))},
            content_type=JSON_CONTENT_TYPE,
        )
    if spec.fault == "not_json":
        return Response(NOT_JSON_BODY, status=200, content_type=JSON_CONTENT_TYPE)
    if spec.fault == "login_page":
        return Response(LOGIN_PAGE, status=200, content_type="text/html;charset=UTF-8")
    return Response(b"", status=200, content_type=JSON_CONTENT_TYPE)  # empty


#: A servlet failing after it began its reply: text where JSON was announced.
NOT_JSON_BODY = (
    "java.lang.NullPointerException\n\tat org.talend.administrator.metaservlet."
    "MetaServlet.doGet(MetaServlet.java)\n"
)
#: What a client gets when a session filter or SSO proxy sends it to log in.
LOGIN_PAGE = (
    '<!DOCTYPE html><html><head><meta charset="UTF-8"><title>Talend Administration '
    'Center</title></head><body><form method="post" action="j_security_check">'
    '<input type="text" name="j_username"><input type="password" name="j_password">'
    '<button type="submit">Login</button></form></body></html>'
)
_ERROR_PAGES = {
    500: (
        "text/html;charset=utf-8",
        '<!doctype html><html lang="en"><head><title>HTTP Status 500 – Internal '
        "Server Error</title></head><body><h1>HTTP Status 500 – Internal Server "
        "Error</h1><hr/><p><b>Type</b> Exception Report</p><p><b>Description</b> "
        "The server encountered an unexpected condition that prevented it from "
        "fulfilling the request.</p><hr/></body></html>",
    ),
    502: (
        "text/html",
        "<html>\r\n<head><title>502 Bad Gateway</title></head>\r\n<body>\r\n"
        "<center><h1>502 Bad Gateway</h1></center>\r\n<hr><center>nginx</center>"
        "\r\n</body>\r\n</html>\r\n",
    ),
    503: (
        "text/html",
        "<html>\r\n<head><title>503 Service Temporarily Unavailable</title></head>"
        "\r\n<body>\r\n<center><h1>503 Service Temporarily Unavailable</h1>"
        "</center>\r\n<hr><center>nginx</center>\r\n</body>\r\n</html>\r\n",
    ),
}


def _error_page(status: int) -> Response:
    """The page Tomcat (500) or an nginx proxy (502, 503) sends."""
    content_type, body = _ERROR_PAGES[status]
    return Response(body, status=_REASONS[status], content_type=content_type)


#: status lines as Tomcat and nginx spell them
_REASONS = {
    500: "500 Internal Server Error",
    502: "502 Bad Gateway",
    503: "503 Service Temporarily Unavailable",
}


def _hang(engine: Engine, spec: faults.FaultSpec, released) -> None:
    """Answer nothing until the client gives up, the fault is cleared, or time is up.

    Noticing that the client gave up needs waitress's read-ahead (the live
    server turns it on); elsewhere the hang lasts its ``seconds``.
    """
    if spec.seconds is None:
        limit = faults.DEFAULT_HANG_SECONDS
    else:
        limit = engine.faults.draw_seconds(spec)
    gone = request.environ.get("waitress.client_disconnected", lambda: False)
    deadline = time.monotonic() + limit
    while time.monotonic() < deadline and not released.is_set() and not gone():
        released.wait(0.05)


def _reset_connection() -> Response:
    """Drop the client's connection with a TCP reset, sending nothing.

    Under waitress the socket is closed with SO_LINGER 0 (an RST); any other
    WSGI server gets a ConnectionResetError raised into it.
    """
    check = request.environ.get("waitress.client_disconnected")
    channel = getattr(check, "__self__", None)
    if channel is None:
        raise ConnectionResetError("connection reset by a mock-tac fault")
    linger = struct.pack("ii", 1, 0)
    try:
        channel.socket.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, linger)
    except (AttributeError, OSError):  # the client has left already
        return Response(b"", status=200)
    channel.will_close = True
    channel.server.pull_trigger()
    deadline = time.monotonic() + 2.0
    while channel.connected and time.monotonic() < deadline:
        time.sleep(0.005)
    return Response(b"", status=200, content_type=JSON_CONTENT_TYPE)
