"""The HTTP transport: a Flask app serving MetaServlet over a :class:`MockTac`.

Routes:

* ``GET|POST /<context>/metaServlet``: the namespace ``default``;
* ``GET|POST /ns/<namespace>/<context>/metaServlet``: an isolated namespace.

Anything else gets a 404 HTML page, as a servlet container answers. Every
request that reaches the servlet gets HTTP 200 and a JSON object.
"""

from __future__ import annotations

import html
import json
import logging
import time

from flask import Flask, Response, request

from .engine import Outcome
from .mock import DEFAULT_NAMESPACE, NAMESPACE_PATTERN, MockTac
from .protocol import encode_reply

log = logging.getLogger("mock_tac.http")

JSON_CONTENT_TYPE = "application/json;charset=UTF-8"
SERVLET = "metaServlet"
NAMESPACE_PREFIX = "ns"
#: Larger requests are refused with returnCode 2 without being read.
MAX_REQUEST_BYTES = 8 * 1024 * 1024


def create_app(mock: MockTac) -> Flask:
    """The Flask application serving ``mock``."""
    app = Flask("mock_tac")
    app.config["MOCK_TAC"] = mock

    @app.route(
        "/<path:path>",
        methods=["GET", "POST", "PUT", "DELETE", "PATCH", "OPTIONS"],
        provide_automatic_options=False,
    )
    def dispatch(path: str) -> Response:
        namespace = _servlet_namespace(mock, path)
        if namespace is None:
            return not_found(request.path)
        if request.method not in ("GET", "POST"):
            return _method_not_allowed(request.method)
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
    if raw is None:
        message = f"Invalid request: larger than {MAX_REQUEST_BYTES} bytes"
        outcome = engine.refuse(message, request.method, transport)
    else:
        outcome = engine.handle_raw(raw, request.method, transport)
    _log_request(namespace, outcome, started)
    return Response(
        encode_reply(outcome.reply), status=200, content_type=JSON_CONTENT_TYPE
    )


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
    """One line per request: action, task, execution, returnCode, duration."""
    entry = outcome.entry
    words = [f"{request.method} {_loggable(entry.action or '-')}"]
    if namespace != DEFAULT_NAMESPACE:
        words.append(f"ns={namespace}")
    if entry.task_id is not None:
        words.append(f"task={_loggable(entry.task_id)}")
    if entry.exec_request_id:
        words.append(f"exec={_loggable(entry.exec_request_id)}")
    words.append(f"returnCode={entry.return_code}")
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
        headers={"Allow": "GET, POST"},
    )
