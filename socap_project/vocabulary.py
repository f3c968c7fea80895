"""SOCAP's own names for what it tracks, defined once and imported everywhere.

Plain data with no imports, at the bottom of the dependency graph: the provider
client, campaigns, ingestion, alerts, dashboard and reports read their keys and
labels here. The keys are stored (Django rows, MongoDB documents) and appear in the
JSON API and the CSV files, so they never change; the labels are what people read.
A provider's own field names (e.g. twitterapi.io's `likeCount`) are translated
at the provider boundary (xapi/schemas.py); SOCAP stores and reads its own.
"""

from __future__ import annotations

# -- tweet metrics ---------------------------------------------------------------------
# TrackedTweet.metrics (plus `last_updated`), metric_deltas, metric_snapshots (`total_<name>`), reports.
METRICS = ("likes", "retweets", "quotes", "replies", "views", "bookmarks")

# -- engagement actions ----------------------------------------------------------------
ACTIONS = ("retweet", "reply", "quote")
# The plural names both the tweet's counter of the action (a metric) and the list job that collects it.
ACTION_PLURALS = {"retweet": "retweets", "reply": "replies", "quote": "quotes"}
ACTION_OF_PLURAL = {plural: action for action, plural in ACTION_PLURALS.items()}
ACTION_LABELS = {"retweet": "Retweets", "reply": "Replies", "quote": "Quotes"}

# -- tweet categories ------------------------------------------------------------------
MAIN_TWEET, INFLUENCER_TWEET, INVESTOR_TWEET = "main_twt", "influencer_twt", "investor_twt"
TWEET_CATEGORIES = (MAIN_TWEET, INFLUENCER_TWEET, INVESTOR_TWEET)
# As a sentence names it ("retweeted your investor tweet"); capitalised, the model's choice label.
TWEET_CATEGORY_NAMES = {MAIN_TWEET: "main", INFLUENCER_TWEET: "influencer", INVESTOR_TWEET: "investor"}
# Headings of the URL boxes and the per-category threshold fields.
TWEET_CATEGORY_LABELS = {MAIN_TWEET: "Main tweets", INFLUENCER_TWEET: "Influencer tweets",
                         INVESTOR_TWEET: "Investor tweets"}

# -- alert channels -------------------------------------------------------------------
CHANNELS = ("slack", "email")

# -- account categories (from the bio: ingestion/storing/classifier.py) -------------------------
# In the order pages, filters and charts list them. Every page, report, PDF and alert shows the
# label (templates through the `category_label` filter); the key stays in the JSON API and the CSVs.
OTHERS = "others"
ACCOUNT_CATEGORY_LABELS = {
    "founders": "Founders", "vcs": "Investors/VCs", "ai_creators": "AI creators", "media": "Media",
    "developers": "Developers", "c_level": "C-level", "yc_alumni": "YC alumni", OTHERS: "Other",
}
ACCOUNT_CATEGORIES = tuple(ACCOUNT_CATEGORY_LABELS)
# One account of the category, as alert headlines name it ("Investor @ada").
ACCOUNT_CATEGORY_NOUNS = {
    "founders": "Founder", "vcs": "Investor", "ai_creators": "AI creator", "media": "Media account",
    "developers": "Developer", "c_level": "Executive", "yc_alumni": "YC founder", OTHERS: "Account",
}


def account_category_label(key: str | None) -> str:
    """Human label of an account category; an unknown key is shown as it is rather than hidden."""
    return ACCOUNT_CATEGORY_LABELS.get(key or OTHERS, key or "Other")
