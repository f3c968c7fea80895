"""Credit budget per campaign, and the provider's own "credits exhausted" state per API key.

Every job asks `blocked_reason` before it calls the provider (and the list job
again before each page): one `$in` lookup of the campaign's spend counter and
the key's document. Nothing is stored as "stopped": the reason is recomputed
from the counter and the campaign's budget, so raising the budget resumes
polling at the next cycle with nothing to reset.

The first check that sees spend cross the warning level (80 % by default) or
the budget itself claims that alert on the counter document and queues it for
staff (alerts/budget.py); the claim is per budget value, so a raised budget
warns again when it is nearly used up too.
"""

from __future__ import annotations

import datetime as dt
import logging
from dataclasses import dataclass

from django.conf import settings
from django.utils import timezone

from campaigns.models import Campaign
from ingestion import signals
from ingestion.costs import spend
from socap_project import mongo
from xapi.errors import XApiError

log = logging.getLogger(__name__)


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


def standing(campaign, now: dt.datetime | None = None) -> Standing:
    now = now or timezone.now()
    docs = {d["_id"]: d for d in mongo.collection(spend.SPEND).find(
        {"_id": {"$in": [spend.total_id(campaign.mongo_id), spend.key_id()]}})}
    total = docs.get(spend.total_id(campaign.mongo_id)) or {}
    key = docs.get(spend.key_id()) or {}
    until = key.get("blocked_until")
    if until is not None and until.tzinfo is None:
        until = until.replace(tzinfo=dt.UTC)
    blocked = until is not None and until > now
    return Standing(spent=int(total.get("credits_total", 0)), budget=campaign.credit_budget,
                    key_reason=key.get("blocked_reason") if blocked else None, key_until=until if blocked else None,
                    alerted=frozenset(total.get("alerts") or {}))


def blocked_reason(campaign, now: dt.datetime | None = None) -> str | None:
    """Why this campaign must not call the provider now, or None; queues the staff alerts it crosses."""
    now = now or timezone.now()
    state = standing(campaign, now)
    if state.budget:
        for level in (settings.SOCAP_BUDGET_WARN_PERCENT, 100):
            crossed = state.spent * 100 >= state.budget * level and f"{level}_{state.budget}" not in state.alerted
            if crossed and spend.claim_alert(campaign.mongo_id, level, state.budget, now):
                signals.budget_level_crossed.send(sender=Campaign, campaign_id=campaign.pk, level=level,
                                                  budget=state.budget, spent=state.spent)
    return state.blocked_reason


def guard(campaign) -> None:
    if reason := blocked_reason(campaign):
        raise BudgetExhausted(reason)
