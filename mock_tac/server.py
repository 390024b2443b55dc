"""Serving a :class:`MockTac` over HTTP with waitress, in the foreground or a thread."""

from __future__ import annotations

import threading
from typing import Any

from waitress.server import create_server

from .http import create_app
from .mock import MockTac

DEFAULT_THREADS = 32


class LiveServer:
    """A mock TAC served on a real socket from a background thread.

    Use it as a context manager; port 0 picks a free port. ``url`` is the
    full metaServlet URL of the default namespace.
    """

    def __init__(
        self,
        mock: MockTac | None = None,
        *,
        host: str = "127.0.0.1",
        port: int = 0,
        threads: int = DEFAULT_THREADS,
    ) -> None:
        self.mock = mock or MockTac()
        self._server: Any = create_server(
            create_app(self.mock), host=host, port=port, threads=threads,
            ident="", clear_untrusted_proxy_headers=True,
            # How long the accept loop sleeps: also how long stop() may wait.
            asyncore_loop_timeout=0.1,
        )
        self.host = host
        self.port: int = self._server.effective_port
        self._thread: threading.Thread | None = None

    @property
    def base_url(self) -> str:
        """``http://host:port``, with no trailing slash."""
        host = f"[{self.host}]" if ":" in self.host else self.host
        return f"http://{host}:{self.port}"

    @property
    def url(self) -> str:
        """The metaServlet URL of the default namespace."""
        return f"{self.base_url}/{self.mock.context_path}/metaServlet"

    def namespace_url(self, namespace: str) -> str:
        """The metaServlet URL of an isolated namespace."""
        return f"{self.base_url}/ns/{namespace}/{self.mock.context_path}/metaServlet"

    def start(self) -> LiveServer:
        self._thread = threading.Thread(
            target=self._server.run, name=f"mock-tac:{self.port}", daemon=True
        )
        self._thread.start()
        return self

    def serve_forever(self) -> None:
        """Serve in this thread until interrupted."""
        self._server.run()

    def stop(self) -> None:
        self._server.close()
        if self._thread is not None:
            self._thread.join(timeout=5)

    def __enter__(self) -> LiveServer:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def __repr__(self) -> str:
        return f"LiveServer(url={self.url!r})"
