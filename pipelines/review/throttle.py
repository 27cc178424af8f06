"""Login throttling, computed without I/O: how long a login name must wait before its next try.

After `delay_after` consecutive failures every further try must wait, the wait doubling with each
failure (capped); after `lockout_after` failures the name is locked for `lockout_minutes`. A try
made too early is refused without checking the password, so guessing gains nothing from speed.
The state is kept per login name (hashed), known or not, so the answer never tells whether a name
exists. A successful login clears it.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import datetime, timedelta


@dataclass(frozen=True)
class ThrottlePolicy:
    """When failed logins start to cost time, and when they lock the name."""

    delay_after: int = 5
    delay_base_s: float = 2.0
    delay_max_s: float = 300.0
    lockout_after: int = 10
    lockout_minutes: float = 15.0


@dataclass(frozen=True)
class ThrottleState:
    """Consecutive failures of one login name, the last one, and a lock if any."""

    failures: int = 0
    last_failure: datetime | None = None
    locked_until: datetime | None = None


@dataclass(frozen=True)
class Verdict:
    """Whether a try may go ahead now; if not, how many seconds remain and whether it is a lock."""

    wait_s: float
    locked: bool

    @property
    def allowed(self) -> bool:
        return self.wait_s <= 0


def delay_s(policy: ThrottlePolicy, failures: int) -> float:
    """The pause owed after `failures` consecutive failures (0 below the threshold)."""
    if failures < policy.delay_after:
        return 0.0
    return min(policy.delay_base_s * 2 ** (failures - policy.delay_after), policy.delay_max_s)


def verdict(policy: ThrottlePolicy, state: ThrottleState, now: datetime) -> Verdict:
    """May the name try now? A running lock wins over the growing delay."""
    if state.locked_until is not None and now < state.locked_until:
        return Verdict((state.locked_until - now).total_seconds(), locked=True)
    if state.locked_until is not None or state.last_failure is None:
        return Verdict(0.0, locked=False)
    ready = state.last_failure + timedelta(seconds=delay_s(policy, state.failures))
    return Verdict(max(0.0, (ready - now).total_seconds()), locked=False)


def after_failure(policy: ThrottlePolicy, state: ThrottleState, now: datetime) -> ThrottleState:
    """The state after one more failed try; reaching `lockout_after` (again) locks the name."""
    failures = state.failures + 1
    locked = (
        now + timedelta(minutes=policy.lockout_minutes)
        if failures >= policy.lockout_after
        else None
    )
    return ThrottleState(failures, now, locked)


def wait_message(wait: Verdict) -> str:
    """What the login page says to a name that must wait."""
    if wait.locked:
        minutes = max(1, math.ceil(wait.wait_s / 60))
        return f"登录失败次数过多，该账户已临时锁定，请 {minutes} 分钟后再试"
    return f"登录失败次数过多，请 {max(1, math.ceil(wait.wait_s))} 秒后再试"
