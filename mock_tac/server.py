"""Serving a :class:`MockTac` over HTTP with waitress, in the foreground or a thread."""

from __future__ import annotations

import ipaddress
import threading
from typing import Any

from waitress import wasyncore
from waitress.server import create_server

from .admin import check_token
from .http import create_app
from .mock import MockTac

DEFAULT_THREADS = 32
#: How long one poll of the sockets may block: also how long stop() may take.
_POLL_SECONDS = 0.1


class LiveServer:
    """A mock TAC served on a real socket from a background thread.

    Use it as a context manager; port 0 picks a free port. ``url`` is the
    full metaServlet URL of the default namespace.

    The admin API (``/_admin``) is on when the server listens on a loopback
    address or ``admin_token`` is given; the token is then required.

    Raises:
        ValueError: ``admin_token`` is empty or blank (it would let anyone in).
        OSError: the address cannot be listened on.
    """

    def __init__(
        self,
        mock: MockTac | None = None,
        *,
        host: str = "127.0.0.1",
        port: int = 0,
        threads: int = DEFAULT_THREADS,
        admin_token: str | None = None,
    ) -> None:
        check_token(admin_token)
        self.mock = mock or MockTac()
        self.admin_enabled = admin_token is not None or is_loopback(host)
        app = create_app(
            self.mock, admin_enabled=self.admin_enabled, admin_token=admin_token
        )
        self._server: Any = create_server(
            app,
            host=host,
            port=port,
            threads=threads,
            ident="",
            clear_untrusted_proxy_headers=True,
            # Read ahead, so a request held by a fault sees its client leave.
            channel_request_lookahead=1,
        )
        self.host = host
        self.port: int = self._server.effective_port
        self._thread: threading.Thread | None = None
        self._stopping = threading.Event()
        self._closed = False
        self._socket_map = getattr(self._server, "_map", None) or self._server.map

    @property
    def base_url(self) -> str:
        """``http://host:port``, with no trailing slash."""
        host = f"[{self.host}]" if ":" in self.host else self.host
        return f"http://{host}:{self.port}"

    @property
    def url(self) -> str:
        """The metaServlet URL of the default namespace."""
        return self.base_url + self.mock.servlet_path()

    @property
    def admin_url(self) -> str:
        """The root of the admin API."""
        return f"{self.base_url}/_admin"

    def namespace_url(self, namespace: str) -> str:
        """The metaServlet URL of an isolated namespace."""
        return self.base_url + self.mock.servlet_path(namespace)

    def start(self) -> LiveServer:
        """Serve from a daemon thread; returns at once."""
        self._thread = threading.Thread(
            target=self._loop, name=f"mock-tac:{self.port}", daemon=True
        )
        self._thread.start()
        return self

    def serve_forever(self) -> None:
        """Serve in this thread until interrupted (KeyboardInterrupt propagates)."""
        try:
            self._loop()
        finally:
            self._close()

    def stop(self) -> None:
        """Stop serving: the loop ends within one poll and sockets are closed."""
        self.mock.release_waiters()
        self._stopping.set()
        if self._thread is not None:
            self._thread.join(timeout=5)
            self._thread = None

    def _loop(self) -> None:
        # waitress's own run() has no stop: poll one round at a time instead,
        # so sockets are closed by the thread that polls them.
        while not self._stopping.is_set() and self._socket_map:
            wasyncore.loop(timeout=_POLL_SECONDS, map=self._socket_map, count=1)
        if self._thread is not None:
            self._close()

    def _close(self) -> None:
        if not self._closed:
            self._closed = True
            self._server.task_dispatcher.shutdown()
            wasyncore.close_all(self._socket_map)

    def __enter__(self) -> LiveServer:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def __repr__(self) -> str:
        return f"LiveServer(url={self.url!r})"


def is_loopback(host: str) -> bool:
    """Whether ``host`` is a loopback address (or ``localhost``)."""
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False
