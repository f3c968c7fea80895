"""The X API key's health and spend, in one place.

    fingerprint.py       the key's one fingerprint: the rate limiter's Redis key, the rejection record
                         and the spend key document are all named by it
    credits.py           pricing; every provider call records its cost (spend counters + `call_charged`)
    spend.py             live spend counters in `api_spend`, written where a call's cost is recorded
    spend_selectors.py   reads of those counters: a campaign's spend, the campaigns that may not poll
    key_state.py         the key refused (401/403, in Redis) or out of credits (402, in `api_spend`)
    budget.py            a campaign's credit budget against its spend and the key's state

Nothing here knows the campaigns app: callers pass the campaign's mongo id and budget, or any
object with the few attributes a function names.
"""
