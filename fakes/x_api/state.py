"""Mutable simulator state: clock, cursors, faults, per-key rate limit and credits, request stats."""

from __future__ import annotations

import datetime as dt
import random
import secrets
import threading
import time
from collections import Counter
from dataclasses import dataclass, field

from xapi.account.credits import cost

TRANSIENT_FAULT_KINDS = ("rate_limit", "credits", "server_error", "timeout", "malformed", "error_in_200",
                         "lying_has_next", "repeated_cursor", "expired_cursor")
# These stop polling by design (a revoked key, a tweet gone) until staff act; see ingestion/polling/parking.py.
PERMANENT_FAULT_KINDS = ("unauthorized", "not_found")
FAULT_KINDS = TRANSIENT_FAULT_KINDS + PERMANENT_FAULT_KINDS


@dataclass
class Clock:
    """Manual (set/advanced by tests) or real time, optionally sped up, anchored at a simulated time."""

    mode: str
    sim_anchor: dt.datetime
    speed: float = 1.0
    real_anchor: float = field(default_factory=time.time)

    def now(self) -> dt.datetime:
        if self.mode == "manual":
            return self.sim_anchor
        return self.sim_anchor + dt.timedelta(seconds=(time.time() - self.real_anchor) * self.speed)

    def set(self, moment: dt.datetime) -> None:
        self.sim_anchor, self.real_anchor = moment, time.time()

    def advance(self, seconds: float) -> None:
        self.set(self.now() + dt.timedelta(seconds=seconds))


@dataclass
class Fault:
    kind: str
    path: str = ""
    count: int | None = 1
    probability: float | None = None
    retry_after: int = 2
    delay_seconds: float = 30.0
    status: int = 500
    key: str = ""  # only requests made with this API key ("": any key), e.g. a revoked key
    tweet_id: str = ""  # only requests about this tweet ("": any tweet), e.g. a tweet gone protected

    def as_dict(self) -> dict:
        return self.__dict__.copy()


@dataclass
class Cursor:
    tweet_id: str
    kind: str
    offset: int
    issued: float


class SimState:
    def __init__(self, clock: Clock, *, seed: int, cursor_ttl: float, rate_limit_rps: float, credits: int):
        self.lock = threading.Lock()
        self.clock = clock
        self.rng = random.Random(seed)
        self.cursor_ttl = cursor_ttl
        self.rate_limit_rps = rate_limit_rps
        self.initial_credits = credits
        self.reset()

    def reset(self) -> None:
        with self.lock:
            self.cursors: dict[str, Cursor] = {}
            self.faults: list[Fault] = []
            self.stats: Counter = Counter()
            self.balances: dict[str, int] = {}
            self.spent: Counter = Counter()
            self.buckets: dict[str, tuple[float, float]] = {}

    # -- cursors ---------------------------------------------------------------
    def issue_cursor(self, tweet_id: str, kind: str, offset: int) -> str:
        token = secrets.token_urlsafe(18)
        with self.lock:
            self.cursors[token] = Cursor(tweet_id, kind, offset, time.monotonic())
        return token

    def read_cursor(self, token: str, tweet_id: str, kind: str) -> Cursor | None:
        with self.lock:
            cursor = self.cursors.get(token)
        if cursor is None or cursor.tweet_id != tweet_id or cursor.kind != kind:
            return None
        if time.monotonic() - cursor.issued > self.cursor_ttl:
            return None
        return cursor

    # -- faults ----------------------------------------------------------------
    def add_faults(self, rules: list[dict], replace: bool = False, seed: int | None = None) -> list[dict]:
        """Add (or replace) fault rules; `seed` reseeds the draws of probabilistic rules, for repeatable runs."""
        parsed = []
        for rule in rules:
            if rule.get("kind") not in FAULT_KINDS:
                raise ValueError(f"unknown fault kind {rule.get('kind')!r}; use one of {', '.join(FAULT_KINDS)}")
            parsed.append(Fault(**{k: v for k, v in rule.items() if k in Fault.__dataclass_fields__}))
        with self.lock:
            if seed is not None:
                self.rng = random.Random(seed)
            self.faults = parsed if replace else self.faults + parsed
            return [f.as_dict() for f in self.faults]

    def take_fault(self, path: str, key: str = "", tweet_ids: tuple[str, ...] = ()) -> Fault | None:
        with self.lock:
            for fault in self.faults:
                if fault.path and not path.startswith(fault.path):
                    continue
                if (fault.key and fault.key != key) or (fault.tweet_id and fault.tweet_id not in tweet_ids):
                    continue
                if fault.probability is not None:
                    if self.rng.random() < fault.probability:
                        self.stats[f"fault:{fault.kind}"] += 1
                        return fault
                    continue
                if fault.count is None or fault.count > 0:
                    if fault.count is not None:
                        fault.count -= 1
                    self.stats[f"fault:{fault.kind}"] += 1
                    return fault
            self.faults = [f for f in self.faults if f.count is None or f.count > 0 or f.probability is not None]
        return None

    # -- per-key limits ----------------------------------------------------------
    def allow_request(self, key: str) -> bool:
        """Token bucket of `rate_limit_rps` requests per second per key (burst of one second)."""
        if self.rate_limit_rps <= 0:
            return True
        with self.lock:
            now = time.monotonic()
            tokens, last = self.buckets.get(key, (self.rate_limit_rps, now))
            tokens = min(self.rate_limit_rps, tokens + (now - last) * self.rate_limit_rps)
            if tokens < 1:
                self.buckets[key] = (tokens, now)
                return False
            self.buckets[key] = (tokens - 1, now)
            return True

    def balance(self, key: str) -> int:
        with self.lock:
            return self.balances.setdefault(key, self.initial_credits)

    def set_balance(self, key: str, balance: int) -> None:
        with self.lock:
            self.balances[key] = balance

    def charge(self, key: str, tweets: int = 0, profiles: int = 0) -> bool:
        price = cost(tweets, profiles)
        with self.lock:
            balance = self.balances.setdefault(key, self.initial_credits)
            if balance < price:
                return False
            self.balances[key] = balance - price
            self.spent[key] += price
            return True
