"""Clocks: the wall clock, a virtual clock that tests drive, and a scaled one.

Every time the engine reads (execution start and end, phase durations,
``executionTime``, ``execRequestId``) comes from a :class:`Clock`. A clock
also decides how a caller waits for a future instant: the wall clock really
waits, a virtual clock in ``auto`` mode jumps straight to that instant, and a
frozen virtual clock waits until a test advances it.
"""

from __future__ import annotations

import math
import threading
import time
from collections.abc import Callable
from typing import Protocol

#: Called by a clock to block for at most ``timeout`` seconds of wall time,
#: returning early when the engine's state changes.
Waiter = Callable[[float], None]

_IDLE_WAIT = 0.5


class Clock(Protocol):
    """What the engine needs of a clock."""

    name: str

    def now(self) -> float:
        """The current time, in seconds since the epoch."""

    def wait_until(self, deadline: float | None, waiter: Waiter) -> None:
        """Block until ``deadline`` (or for a short while when it is None).

        May return early; callers re-check their condition and call again.
        """


class WallClock:
    """Real time, as ``time.time()`` reads it."""

    name = "wall"

    def now(self) -> float:
        return time.time()

    def wait_until(self, deadline: float | None, waiter: Waiter) -> None:
        if deadline is None:
            waiter(_IDLE_WAIT)
            return
        remaining = deadline - self.now()
        if remaining > 0:
            waiter(min(remaining, _IDLE_WAIT))

    def __repr__(self) -> str:
        return "WallClock()"


class ScaledClock:
    """Real time running ``scale`` times faster, from the moment it is made."""

    name = "scaled"

    def __init__(self, scale: float) -> None:
        self.scale = check_scale(scale)
        self._origin = time.time()
        self._mono = time.monotonic()

    def now(self) -> float:
        return self._origin + (time.monotonic() - self._mono) * self.scale

    def wait_until(self, deadline: float | None, waiter: Waiter) -> None:
        if deadline is None:
            waiter(_IDLE_WAIT)
            return
        remaining = (deadline - self.now()) / self.scale
        if remaining > 0:
            waiter(min(remaining, _IDLE_WAIT))

    def __repr__(self) -> str:
        return f"ScaledClock(scale={self.scale})"


class VirtualClock:
    """A clock that only moves when told to.

    ``auto=True`` makes a waiting caller (a synchronous ``runTask``) jump the
    clock to the instant it waits for, and lets the engine jump it to an
    execution's next transition once a poll has seen it running, so scripted
    hours pass at once. With ``auto=False`` the clock is frozen until
    :meth:`advance` or :meth:`advance_to` moves it.
    """

    name = "virtual"

    def __init__(self, start: float | None = None, *, auto: bool = True) -> None:
        self._now = time.time() if start is None else float(start)
        self.auto = auto
        self._lock = threading.Lock()
        self._moved = threading.Condition(self._lock)

    def now(self) -> float:
        with self._lock:
            return self._now

    def advance(self, seconds: float) -> float:
        """Move the clock forward by ``seconds``; returns the new time."""
        if not math.isfinite(seconds):
            raise ValueError(f"cannot move a clock by {seconds!r} s")
        if seconds < 0:
            raise ValueError(f"cannot move a clock backwards ({seconds!r} s)")
        with self._moved:
            self._now += seconds
            self._moved.notify_all()
            return self._now

    def advance_to(self, instant: float) -> float:
        """Move the clock to ``instant`` if that is later than now."""
        if not math.isfinite(instant):
            raise ValueError(f"cannot move a clock to {instant!r}")
        with self._moved:
            if instant > self._now:
                self._now = instant
                self._moved.notify_all()
            return self._now

    def wait_until(self, deadline: float | None, waiter: Waiter) -> None:
        if deadline is not None and self.auto:
            self.advance_to(deadline)
            return
        waiter(0.05)

    def __repr__(self) -> str:
        return f"VirtualClock(now={self.now():.3f}, auto={self.auto})"


def check_scale(scale: float) -> float:
    """A clock scale as given, or ValueError unless it is a finite number > 0."""
    if (
        isinstance(scale, bool)
        or not isinstance(scale, int | float)
        or not math.isfinite(scale)
        or scale <= 0
    ):
        raise ValueError(
            f"invalid clock scale {scale!r}: expected a finite number above 0 "
            "(2 runs twice as fast as real time)"
        )
    return scale


def make_clock(kind: str = "wall", *, scale: float = 1.0, auto: bool = True) -> Clock:
    """Build a clock by name: ``wall``, ``virtual`` or ``scaled``.

    Raises:
        ValueError: an unknown kind, or a scale that is not finite and above 0.
    """
    check_scale(scale)
    if kind == "wall":
        return WallClock() if scale == 1.0 else ScaledClock(scale)
    if kind == "scaled":
        return ScaledClock(scale)
    if kind == "virtual":
        return VirtualClock(auto=auto)
    raise ValueError(f"unknown clock {kind!r}: expected wall, virtual or scaled")
