"""The ``mock-tac`` command line."""

from __future__ import annotations

import argparse
import logging
import math
import signal
import sys
from collections.abc import Sequence

from . import __version__
from .call import add_call_parser
from .contract.checker import add_check_client
from .dialect import DEFAULT_VERSION, DIALECTS
from .mock import DEFAULT_CONTEXT_PATH, MockTac
from .scenario import Scenario, ScenarioError

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
        "--port",
        type=_port,
        default=8080,
        help="port, 0 for any free (%(default)s)",
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
        "--threads",
        type=_threads,
        default=32,
        help="requests served at once, synchronous runs included (%(default)s)",
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
        type=_scale,
        default=None,
        metavar="N",
        help="with --clock scaled: run N times faster than real time",
    )
    parser.add_argument(
        "--clock-mode",
        choices=("auto", "frozen"),
        default=None,
        help="with --clock virtual: jump to what callers wait for, or stay "
        "frozen until moved through the admin API (%(default)s)",
    )


def clock_settings(args: argparse.Namespace) -> tuple[float, bool]:
    """``(clock_scale, clock_auto)`` from the options, refusing those that clash.

    Raises:
        ValueError: a clock option that the chosen ``--clock`` would ignore.
    """
    if args.clock_scale is not None and args.clock != "scaled":
        raise ValueError("--clock-scale goes with --clock scaled")
    if args.clock_mode is not None and args.clock != "virtual":
        raise ValueError("--clock-mode goes with --clock virtual")
    if args.clock == "scaled" and args.clock_scale is None:
        raise ValueError("--clock scaled needs --clock-scale N (N times real time)")
    scale = args.clock_scale if args.clock_scale is not None else 1.0
    return scale, args.clock_mode != "frozen"


def _port(text: str) -> int:
    port = _integer(text, "port")
    if not 0 <= port <= 65535:
        raise argparse.ArgumentTypeError(f"port must be 0 to 65535, got {port}")
    return port


def _threads(text: str) -> int:
    threads = _integer(text, "thread count")
    if not 1 <= threads <= 1024:
        raise argparse.ArgumentTypeError(f"threads must be 1 to 1024, got {threads}")
    return threads


def _scale(text: str) -> float:
    try:
        scale = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a number: {text!r}") from None
    if not math.isfinite(scale) or scale <= 0:
        raise argparse.ArgumentTypeError(
            f"the clock scale must be a positive number, got {text}"
        )
    return scale


def _integer(text: str, what: str) -> int:
    try:
        return int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{what} must be a whole number") from None


def _task_summary(scenario: Scenario, limit: int = 8) -> str:
    tasks = [f"{t.id}={t.label}" for t in scenario.tasks]
    if not tasks:
        return "no tasks"
    shown = ", ".join(tasks[:limit])
    more = len(tasks) - limit
    return f"tasks {shown}" + (f", ... {more} more" if more > 0 else "")


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
        if args.admin_token is not None and not args.admin_token.strip():
            raise ValueError("--admin-token must not be empty")
        clock_scale, clock_auto = clock_settings(args)
        mock = MockTac(
            args.scenario,
            clock=args.clock,
            clock_scale=clock_scale,
            clock_auto=clock_auto,
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
    except ValueError as exc:
        print(
            f"mock-tac: cannot serve on {args.host}:{args.port}: {exc}", file=sys.stderr
        )
        return 2

    signal.signal(signal.SIGTERM, _interrupt)
    # A shell starting us in the background may have set SIGINT to be ignored;
    # `kill -INT` and Ctrl-C should still stop the server.
    signal.signal(signal.SIGINT, signal.default_int_handler)
    try:
        print(
            f"mock-tac {__version__} (TAC {mock.dialect.version} dialect)", flush=True
        )
        print(
            f"scenario: {mock.scenario.source} ({_task_summary(mock.scenario)})",
            flush=True,
        )
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
