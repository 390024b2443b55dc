"""mock-tac: a mock Talend Administration Center MetaServlet and a contract test kit."""

from .clock import ScaledClock, VirtualClock, WallClock
from .codes import ApiError
from .engine import Engine
from .mock import MockTac
from .protocol import decode_request, encode_reply, encode_request
from .scenario import Scenario, ScenarioError, load_scenario, parse_scenario

__version__ = "0.1.0"

__all__ = [
    "ApiError",
    "Engine",
    "MockTac",
    "Scenario",
    "ScenarioError",
    "ScaledClock",
    "VirtualClock",
    "WallClock",
    "decode_request",
    "encode_reply",
    "encode_request",
    "load_scenario",
    "parse_scenario",
    "__version__",
]
