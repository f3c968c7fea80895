"""The X API simulator as a real process for tests.

    sim = SimulatorProcess(log_dir, scenario="tiny").start()
    sim.base_url; sim.set_clock(iso) / sim.advance(hours=1); sim.faults([...]); sim.ground_truth(); sim.stats()
"""

from __future__ import annotations

import datetime as dt
import sys
from pathlib import Path

import requests

from tests.support.processes import ManagedProcess, free_port

# The simulator answers in the provider's field names; SOCAP stores its own. Written out here, not
# imported, so that tests check the translation instead of repeating it.
PROVIDER_FIELDS = {"likes": "likeCount", "retweets": "retweetCount", "quotes": "quoteCount",
                   "replies": "replyCount", "views": "viewCount", "bookmarks": "bookmarkCount"}


def socap_metrics(provider_metrics: dict) -> dict:
    """A ground-truth tweet's counters under the names SOCAP stores them."""
    return {name: provider_metrics[field] for name, field in PROVIDER_FIELDS.items()}


class SimulatorProcess:
    def __init__(self, log_dir: Path, scenario: str = "tiny", *, page_size: int = 20, rate_limit_rps: float = 0,
                 cursor_ttl: float = 600, extra: list[str] | None = None):
        self.port = free_port()
        argv = [sys.executable, "-m", "fakes.x_api", "--port", str(self.port), "--scenario", scenario,
                "--page-size", str(page_size), "--rate-limit-rps", str(rate_limit_rps),
                "--cursor-ttl", str(cursor_ttl), *(extra or [])]
        self.process = ManagedProcess(f"simulator-{self.port}", argv, log_dir, port=self.port)
        self.base_url = f"http://127.0.0.1:{self.port}"
        self.http = requests.Session()

    def start(self) -> SimulatorProcess:
        self.process.start()
        return self

    def stop(self) -> None:
        self.process.stop()

    def _post(self, path: str, body: dict) -> dict:
        response = self.http.post(self.base_url + path, json=body, timeout=10)
        response.raise_for_status()
        return response.json()

    def _get(self, path: str, **params) -> dict:
        response = self.http.get(self.base_url + path, params=params, timeout=30)
        response.raise_for_status()
        return response.json()

    def now(self) -> dt.datetime:
        return dt.datetime.fromisoformat(self._get("/_sim/clock")["now"])

    def launch(self) -> dt.datetime:
        return dt.datetime.fromisoformat(self._get("/_sim/clock")["launch"])

    def set_clock(self, moment: dt.datetime) -> None:
        self._post("/_sim/clock", {"set": moment.isoformat()})

    def advance(self, **delta) -> dt.datetime:
        seconds = dt.timedelta(**delta).total_seconds()
        return dt.datetime.fromisoformat(self._post("/_sim/clock", {"advance_seconds": seconds})["now"])

    def faults(self, rules: list[dict], replace: bool = True, seed: int | None = None) -> None:
        self._post("/_sim/faults", {"rules": rules, "replace": replace, "seed": seed})

    def reset(self) -> None:
        self._post("/_sim/reset", {})

    def set_credits(self, key: str, balance: int) -> None:
        self._post("/_sim/credits", {"key": key, "balance": balance})

    def ground_truth(self, at: dt.datetime | None = None) -> dict:
        return self._get("/_sim/ground_truth", **({"at": at.isoformat()} if at else {}))

    def stats(self) -> dict:
        return self._get("/_sim/stats")["stats"]

    def scenario(self) -> dict:
        return self._get("/_sim/scenario")

    def following_index(self) -> str:
        return self.http.get(self.base_url + "/_sim/following_index", timeout=10).text
