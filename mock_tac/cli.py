"""The ``mock-tac`` command line."""

from __future__ import annotations

import argparse
import logging
import signal
import sys
from collections.abc import Sequence

from . import __version__
from .call import add_call_parser
from .contract.checker import add_check_client
from .dialect import DEFAULT_VERSION, DIALECTS
from .mock import DEFAULT_CONTEXT_PATH, MockTac
from .scenario import ScenarioError

log = logging.getLogger("mock_tac")


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="mock-tac",
        description="A mock Talend Administration Center MetaServlet server.",
    )
    parser.add_argument(
        "--version", action="version", version=f"mock-tac {__version__}"
    )
    commands = parser.add_subparsers(dest="command", metavar="COMMAND")
    commands.required = True
    _add_serve(commands)
    add_check_client(commands)
    add_call_parser(commands)
    return parser


def _add_serve(commands: argparse._SubParsersAction) -> None:
    serve = commands.add_parser(
        "serve",
        help="serve MetaServlet over HTTP",
        description="Serve a mock TAC MetaServlet until interrupted (Ctrl-C).",
    )
    serve.add_argument(
        "--host", default="127.0.0.1", help="address to bind (%(default)s)"
    )
    serve.add_argument(
        "--port", type=int, default=8080, help="port, 0 for any free (%(default)s)"
    )
    serve.add_argument(
        "--context-path",
        default=DEFAULT_CONTEXT_PATH,
        help="web-app name in /<context>/metaServlet (%(default)s)",
    )
    serve.add_argument(
        "--scenario",
        metavar="FILE",
        help="scenario file (YAML or JSON); default: built-in",
    )
    add_engine_options(serve)
    serve.add_argument(
        "--threads", type=int, default=32, help="worker threads (%(default)s)"
    )
    serve.add_argument(
        "--admin-token",
        metavar="TOKEN",
        help="require this X-Mock-Tac-Admin-Token on /_admin requests; needed "
        "for the admin API when --host is not a loopback address",
    )
    serve.add_argument("--quiet", action="store_true", help="do not log each request")
    serve.set_defaults(func=run_serve)


def add_engine_options(parser: argparse.ArgumentParser) -> None:
    """Options shared by every command that builds a mock."""
    parser.add_argument(
        "--tac-version",
        choices=sorted(DIALECTS),
        default=DEFAULT_VERSION,
        help="TAC version whose dialect to speak (%(default)s)",
    )
    parser.add_argument(
        "--clock",
        choices=("wall", "virtual", "scaled"),
        default="wall",
        help="time source for scenario durations (%(default)s)",
    )
    parser.add_argument(
        "--clock-scale",
        type=float,
        default=1.0,
        metavar="N",
        help="with --clock scaled: run N times faster than real time",
    )
    parser.add_argument(
        "--clock-mode",
        choices=("auto", "frozen"),
        default="auto",
        help="with --clock virtual: jump to what callers wait for, or stay "
        "frozen until moved through the admin API (%(default)s)",
    )


def configure_logging(quiet: bool = False) -> None:
    """Log to stderr unless the user configured logging already."""
    logger = logging.getLogger("mock_tac")
    if not logger.handlers and not logging.getLogger().handlers:
        handler = logging.StreamHandler()
        handler.setFormatter(logging.Formatter("%(asctime)s %(message)s", "%H:%M:%S"))
        logger.addHandler(handler)
    logger.setLevel(logging.WARNING if quiet else logging.INFO)


def run_serve(args: argparse.Namespace) -> int:
    from .server import LiveServer

    configure_logging(args.quiet)
    try:
        mock = MockTac(
            args.scenario,
            clock=args.clock,
            clock_scale=args.clock_scale,
            clock_auto=args.clock_mode == "auto",
            tac_version=args.tac_version,
            context_path=args.context_path,
        )
    except ScenarioError as exc:
        print(f"mock-tac: {exc}", file=sys.stderr)
        return 2
    except ValueError as exc:
        print(f"mock-tac: {exc}", file=sys.stderr)
        return 2

    try:
        server = LiveServer(
            mock,
            host=args.host,
            port=args.port,
            threads=args.threads,
            admin_token=args.admin_token,
        )
    except OSError as exc:
        print(
            f"mock-tac: cannot listen on {args.host}:{args.port}: {exc}",
            file=sys.stderr,
        )
        return 1

    signal.signal(signal.SIGTERM, _interrupt)
    tasks = ", ".join(f"{t.id}={t.label}" for t in mock.scenario.tasks)
    try:
        print(
            f"mock-tac {__version__} (TAC {mock.dialect.version} dialect)", flush=True
        )
        print(f"scenario: {mock.scenario.source} (tasks {tasks})", flush=True)
        print(f"MetaServlet endpoint: {server.url}", flush=True)
        if server.admin_enabled:
            print(f"admin API: {server.admin_url}", flush=True)
        else:
            print("admin API: off (not loopback; give --admin-token)", flush=True)
        print("Press Ctrl-C to stop.", flush=True)
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        server.stop()
    print("mock-tac stopped.", flush=True)
    return 0


def _interrupt(signum: int, frame: object) -> None:
    """Stop on SIGTERM the way Ctrl-C stops."""
    raise KeyboardInterrupt


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    return args.func(args)


if __name__ == "__main__":
    sys.exit(main())
