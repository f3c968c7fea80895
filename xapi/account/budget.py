"""Credit budget per campaign, against its spend counter and the API key's own "credits exhausted" state.

Every job asks before it calls the provider (and the list job again before each
page): one `$in` lookup of the campaign's spend counter and the key's document.
Nothing is stored as "stopped": the reason is recomputed from the counter and
the campaign's budget, so raising the budget resumes polling at the next cycle
with nothing to reset.

The first check that sees spend cross the warning level (80 % by default) or the
budget itself claims that level on the counter document and returns it, so the
caller announces it once (ingestion sends `budget_level_crossed`; alerts tells
staff). The claim is per budget value, so a raised budget warns again when it is
nearly used up too.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.conf import settings

from socap_project import mongo
from xapi.account import key_state, spend
from xapi.errors import XApiError


class BudgetExhausted(XApiError):
    """The campaign's credit budget, or the API key's credits, are used up: no request was made."""


@dataclass(frozen=True)
class Standing:
    spent: int
    budget: int | None
    key_reason: str | None
    key_until: dt.datetime | None
    alerted: frozenset = frozenset()  # "<level>_<budget>" alerts already claimed

    @property
    def used_percent(self) -> float | None:
        return round(100 * self.spent / self.budget, 1) if self.budget else None

    @property
    def blocked_reason(self) -> str | None:
        if self.key_reason:
            return (f"API key out of credits (provider 402: {self.key_reason}); retrying after "
                    f"{self.key_until:%Y-%m-%d %H:%M} UTC, sooner once the key is recharged")
        if self.budget is not None and self.spent >= self.budget:
            return (f"credit budget used up: {self.spent:,} of {self.budget:,} credits; "
                    "raise the budget to resume polling")
        return None


def standing_of(total: dict, key: dict, budget: int | None, now: dt.datetime) -> Standing:
    """A campaign's standing from its total counter document and the key's document (either may be {})."""
    key_reason, key_until = key_state.exhaustion(key, now)
    return Standing(spent=int(total.get("credits_total", 0)), budget=budget, key_reason=key_reason,
                    key_until=key_until, alerted=frozenset(total.get("alerts") or {}))


def standing(campaign_id: str, budget: int | None, now: dt.datetime) -> Standing:
    docs = {d["_id"]: d for d in mongo.collection(spend.SPEND).find(
        {"_id": {"$in": [spend.total_id(campaign_id), key_state.key_id()]}})}
    return standing_of(docs.get(spend.total_id(campaign_id)) or {}, docs.get(key_state.key_id()) or {}, budget, now)


def check(campaign_id: str, budget: int | None, now: dt.datetime) -> tuple[Standing, list[int]]:
    """The campaign's standing, and the alert levels (percent) this check is the first to see crossed."""
    state = standing(campaign_id, budget, now)
    crossed = []
    if state.budget:
        for level in (settings.SOCAP_BUDGET_WARN_PERCENT, 100):
            reached = state.spent * 100 >= state.budget * level and f"{level}_{state.budget}" not in state.alerted
            if reached and spend.claim_alert(campaign_id, level, state.budget, now):
                crossed.append(level)
    return state, crossed
