"""Serve a mock TAC to ``requests`` in this process, with no socket.

:class:`InProcessTac` registers one ``responses`` callback for the URLs under
its ``base_url``; every ``requests`` call to them goes through the same Flask
application the live server runs (so replies, 404s and journal entries are
identical) and never touches the network. Calls to any other URL are left to
whatever else the test registered with ``responses``.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any
from urllib.parse import urlsplit

import responses

from ..http import create_app
from ..journal import Journal
from ..mock import DEFAULT_NAMESPACE, MockTac

DEFAULT_BASE_URL = "http://mock-tac.invalid:8080"


class InProcessTac:
    """A mock TAC reachable by ``requests`` at ``base_url``, without a server.

    Args:
        mock: the mock to serve; a fresh one on the built-in scenario if None.
        base_url: scheme, host and port the client is configured with.
        requests_mock: the ``responses.RequestsMock`` to register with. By
            default the module-level one that ``@responses.activate`` and
            ``responses.add`` use, so the test's own registrations for other
            URLs keep working; it is started if it was not, and stopped again
            on :meth:`stop` only in that case.

    Use it as a context manager, or call :meth:`start` and :meth:`stop`.
    """

    def __init__(
        self,
        mock: MockTac | None = None,
        *,
        base_url: str = DEFAULT_BASE_URL,
        requests_mock: responses.RequestsMock | None = None,
    ) -> None:
        self.mock = mock or MockTac()
        self.base_url = base_url.rstrip("/")
        self._requests_mock = requests_mock or responses.mock
        self._app = create_app(self.mock)
        self._registered: list[Any] = []
        self._started_mock = False

    def __repr__(self) -> str:
        return f"InProcessTac(url={self.url!r})"

    @property
    def url(self) -> str:
        """The metaServlet URL of the default namespace."""
        return self.base_url + self.mock.servlet_path()

    def namespace_url(self, namespace: str) -> str:
        """The metaServlet URL of an isolated namespace."""
        return self.base_url + self.mock.servlet_path(namespace)

    @property
    def journal(self) -> Journal:
        """The request journal of the default namespace."""
        return self.mock.engine(DEFAULT_NAMESPACE).journal

    def start(self) -> InProcessTac:
        """Register the callback (idempotent) and make sure ``responses`` is on."""
        if self._registered:
            return self
        pattern = re.compile(re.escape(self.base_url) + r"(/.*)?$")
        for method in ("GET", "POST", "PUT", "DELETE", "PATCH", "OPTIONS", "HEAD"):
            self._registered.append(
                self._requests_mock.add_callback(
                    method, pattern, callback=self._answer, content_type=None
                )
            )
        if getattr(self._requests_mock, "_patcher", None) is None:
            self._requests_mock.start()
            self._started_mock = True
        return self

    def stop(self) -> None:
        """Remove the callback; stop ``responses`` only if :meth:`start` started it."""
        for registration in self._registered:
            try:
                self._requests_mock.remove(registration)
            except ValueError:
                pass  # already gone: the user's responses.reset() removed it
        self._registered.clear()
        if self._started_mock:
            self._requests_mock.stop(allow_assert=False)
            self._started_mock = False

    def __enter__(self) -> InProcessTac:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def _answer(self, request: Any) -> tuple[int, Mapping[str, str], bytes]:
        """Hand one prepared request to the Flask app, as a WSGI server would."""
        parts = urlsplit(request.url)
        body = request.body
        if isinstance(body, str):
            body = body.encode("utf-8")
        headers = {
            k: v for k, v in request.headers.items() if k.lower() != "content-length"
        }
        with self._app.test_client() as client:
            reply = client.open(
                parts.path or "/",
                method=request.method,
                query_string=parts.query,
                data=body or b"",
                headers=headers,
                environ_base={"REMOTE_ADDR": "127.0.0.1"},
            )
        out_headers = {
            k: v for k, v in reply.headers.items() if k.lower() != "content-length"
        }
        return reply.status_code, out_headers, reply.get_data()
