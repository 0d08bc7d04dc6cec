"""Rate limits for what an attacker would repeat: failed logins (per user name and per client
address), audit verifications (per process and per user) and requests to the pages anyone may
read without login (per client address).

The counts live in this process's memory (the `limits` package's moving windows): with several
workers each keeps its own, so a limit of N holds per worker; a restart forgets them. That is the
embedded default's trade-off; the same limiter takes a shared storage (Redis, memcached) if ever
needed."""

import math
import time
from dataclasses import dataclass

from limits import RateLimitItem, RateLimitItemPerMinute
from limits.storage import MemoryStorage
from limits.strategies import MovingWindowRateLimiter

from kpt_workflow.base.config import Settings
from kpt_workflow.base.errors import KptError


class TooManyAttempts(KptError):
    """Refused before any work: the caller must wait `details['retry_after']` seconds."""

    code = "demasiados_intentos"


class Gate:
    """One rate limit over one kind of key: `amount` hits per `minutes`, in a moving window."""

    def __init__(self, limiter: MovingWindowRateLimiter, name: str, amount: int, minutes: int) -> None:
        self._limiter = limiter
        self._name = name
        self._item: RateLimitItem = RateLimitItemPerMinute(amount, minutes)

    def wait(self, key: str) -> int:
        """Seconds until `key` may pass again; 0 if it may pass now."""
        if self._limiter.test(self._item, self._name, key):
            return 0
        reset = self._limiter.get_window_stats(self._item, self._name, key).reset_time
        return max(1, math.ceil(reset - time.time()))

    def hit(self, key: str) -> bool:
        """Count one pass of `key`; False (and nothing counted) if the limit was already reached."""
        return self._limiter.hit(self._item, self._name, key)

    def forget(self, key: str) -> None:
        self._limiter.clear(self._item, self._name, key)

    def admit(self, key: str, reason: str) -> None:
        """Count one pass of `key`, or raise TooManyAttempts saying `reason` and how long to wait."""
        if not self.hit(key):
            raise refuse(self.wait(key), reason)


def refuse(wait: int, reason: str) -> TooManyAttempts:
    minutes = math.ceil(wait / 60)
    when = f"{wait} segundo{'s' if wait > 1 else ''}" if wait < 60 else f"{minutes} minuto{'s' if minutes > 1 else ''}"
    return TooManyAttempts(f"{reason} Espere {when} e intente de nuevo.", retry_after=wait)


class LoginThrottle:
    """Failed logins per user name and per client address. Only failures count, and a login that
    succeeds forgets its user name's (not its address's: one valid account must not reopen an
    address that is guessing others')."""

    def __init__(self, limiter: MovingWindowRateLimiter, settings: Settings) -> None:
        minutes = settings.login_failure_window_minutes
        self._user = Gate(limiter, "login-user", settings.login_failures_per_user, minutes)
        self._address = Gate(limiter, "login-address", settings.login_failures_per_address, minutes)
        # A refused login is logged once per window and key, so a flood cannot fill the log.
        self._logged = Gate(limiter, "login-refusal-logged", 1, minutes)

    def check(self, username: str, address: str) -> None:
        """Raise TooManyAttempts if either the name or the address has failed too often."""
        wait = max(self._user.wait(username), self._address.wait(address))
        if wait:
            raise refuse(wait, "Demasiados intentos fallidos de ingreso.")

    def first_refusal(self, username: str, address: str) -> bool:
        """Whether this refusal is the first of its window for this name and address (to be logged)."""
        return self._logged.hit(f"{username}\x00{address}")

    def failed(self, username: str, address: str) -> None:
        self._user.hit(username)
        self._address.hit(address)

    def succeeded(self, username: str) -> None:
        self._user.forget(username)


@dataclass(frozen=True)
class Guards:
    """The app's rate limits, one set per process (built with the app)."""

    login: LoginThrottle
    full_verification: Gate  # key: "" (the whole process)
    verification: Gate  # key: the user name
    public: Gate  # key: the client address (pages without login: /publico, /datos-abiertos)

    @classmethod
    def from_settings(cls, settings: Settings) -> "Guards":
        limiter = MovingWindowRateLimiter(MemoryStorage())
        return cls(LoginThrottle(limiter, settings),
                   Gate(limiter, "verify-full", settings.audit_full_verifications_per_minute, 1),
                   Gate(limiter, "verify", settings.audit_verifications_per_minute, 1),
                   Gate(limiter, "public", settings.public_requests_per_minute, 1))
