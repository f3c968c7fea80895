"""Alert texts (docs/alerts.md): one line per account, batched when it engaged several tweets.

Names and reply texts come from X and may hold anything. The email subject is one line; the
Slack text and blocks escape &, < and > in everything (a reply saying <!channel> is shown, not
obeyed) and stay within Slack's block limits; the email text keeps the characters as written.
"""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import quote

from django.template.loader import render_to_string

from alerts.channels.slack import escape_mrkdwn
from ingestion import selectors as ingestion_selectors
from socap_project.links import absolute
from socap_project.text import one_line
from socap_project.vocabulary import ACCOUNT_CATEGORY_NOUNS, TWEET_CATEGORY_NAMES, account_category_label

VERB = {"retweet": "retweeted", "reply": "replied to", "quote": "quote-tweeted"}
SNIPPET = 140
SLACK_TEXT_LIMIT = 3000  # Slack refuses a block whose mrkdwn text is longer
SUBJECT_HEADLINE = 120


@dataclass
class Message:
    subject: str
    text: str  # plain text: the email body and the alert history
    blocks: list[dict]  # Slack blocks, escaped
    html: str
    slack_text: str = ""  # Slack's notification text, escaped


def _clip(value: str, limit: int) -> str:
    return value if len(value) <= limit else value[: limit - 1] + "…"


def slack_mrkdwn(value: str, limit: int = SLACK_TEXT_LIMIT) -> str:
    return _clip(escape_mrkdwn(_clip(value, limit)), limit)


def engagement_link(item: dict, engagement: dict) -> str:
    if engagement.get("engagement_tweet_id"):
        return f"https://x.com/{quote(item['username'], safe='')}/status/{engagement['engagement_tweet_id']}"
    return f"https://x.com/{quote(item['username'], safe='')}"


def _noun(account_category: str | None) -> str:
    return ACCOUNT_CATEGORY_NOUNS.get(account_category, "Account")


def _tweet(tweet_category: str) -> str:
    return TWEET_CATEGORY_NAMES.get(tweet_category, "tracked")


def _duration(minutes: float) -> str:
    return f"{minutes:.0f} min" if minutes < 120 else f"{round(minutes / 60, 1):g} h"


def _against(ratio: float | None, trailing_minutes: float, whose: str) -> str:
    window = f"over the previous {_duration(trailing_minutes)}"
    return f"{ratio:.1f}× {whose} rate {window}" if ratio is not None else f"against none {window}"


def spike_tweet(n: dict) -> str:
    """"Main tweet @orbitlabs: 243 new engagements in 60 min, 8.1× its rate over the previous 6 h"."""
    who = f"{_tweet(n['tweet_category']).capitalize()} tweet" + (f" @{n['author']}" if n.get("author") else "")
    return (f"{who}: {n['count']} new engagements in {_duration(n['minutes'])}, "
            f"{_against(n['ratio'], n['trailing_minutes'], 'its')}")


def spike_headline(item: dict) -> str:
    spike = item["spike"]
    tweets = "; ".join(spike_tweet(n) for n in spike.get("tweets", []))
    if "fresh" in spike:  # queued by the count rule before the rate rule replaced it
        line = f"Engagement spike: {spike['fresh']} new engagements in one poll cycle"
    elif spike["tweets_spiked"]:
        line = f"Engagement spike: {tweets}"
    else:
        whole = spike["campaign"]
        line = (f"Engagement spike: {whole['count']} new engagements across the campaign's tweets, "
                f"{_against(whole['ratio'], whole['trailing_minutes'], 'their')}" + (f" ({tweets})" if tweets else ""))
    if spike["top"]:
        line += ". Top accounts: " + ", ".join(
            f"{_noun(a['account_category'])} @{a['username']} "
            f"({VERB[a['action_type']]} {_tweet(a['tweet_category'])}, importance {a['importance_score']:g})"
            for a in spike["top"])
    return line


def _sentiment(e: dict) -> str:
    return f"sentiment {e['sentiment_score']:+.2f}" if e.get("strongly_negative") else ""


def headline(item: dict) -> str:
    if item.get("kind") == "spike":
        return spike_headline(item)
    who = f"{_noun(item['account_category'])} @{item['username']}"
    score = f"(importance: {item['importance_score']:g})"
    # The negative-reply rule: said first, with the lexicon score that triggered it.
    flag = "Strongly negative: " if item.get("strongly_negative") else ""
    engagements = item["engagements"]
    if len(engagements) == 1:
        e = engagements[0]
        line = f"{flag}{who} {score} {VERB[e['action_type']]} your {_tweet(e['tweet_category'])} tweet"
        if e.get("text"):
            snippet = e["text"][:SNIPPET] + ("…" if len(e["text"]) > SNIPPET else "")
            line += f": “{snippet}”"
        if _sentiment(e):
            line += f" ({_sentiment(e)}, VADER lexicon score)"
        return line
    parts = ", ".join(
        f"{_tweet(e['tweet_category'])} ({', '.join(filter(None, [e['action_type'], _sentiment(e)]))})"
        for e in engagements)
    return f"{flag}{who} {score} engaged with {len(engagements)} tweets: {parts}"


def why_important(item: dict) -> str:
    """"followed by @a (10), @b (8)": the important people whose weights make up the score."""
    followers = item.get("followed_by")
    if followers is None and item.get("user_id"):
        followers = ingestion_selectors.followed_by(item["user_id"])  # queued before engagements carried it
    return "followed by " + ", ".join(f"@{f['username']} ({f['weight']:g})" for f in followers) if followers else ""


def build(item: dict, campaign) -> Message:
    dashboard = absolute("dashboard:staff", campaign.pk)
    line = headline(item)
    if item.get("kind") == "spike":
        details = f"spike factor {item['spike']['factor']:g} · campaign {campaign.launch_name}"
        links = [f"https://x.com/{quote(a['username'], safe='')}" for a in item["spike"]["top"]] or [dashboard]
    else:
        details = " · ".join(filter(None, [f"{item['followers']:,} followers",
                                            account_category_label(item["account_category"]),
                                            item.get("name", ""), why_important(item)]))
        links = [engagement_link(item, e) for e in item["engagements"]]
    text = f"{line}\n{details}\n" + "\n".join(links) + f"\nDashboard: {dashboard}"
    blocks = [
        {"type": "section", "text": {"type": "mrkdwn", "text": f"*{slack_mrkdwn(line, SLACK_TEXT_LIMIT - 2)}*"}},
        {"type": "context", "elements": [{"type": "mrkdwn", "text": slack_mrkdwn(details)}]},
        {"type": "actions", "elements": [
            {"type": "button", "text": {"type": "plain_text", "text": "View on X"},
             "url": _clip(links[0], SLACK_TEXT_LIMIT)},
            {"type": "button", "text": {"type": "plain_text", "text": "Dashboard"}, "url": dashboard},
        ]},
    ]
    html = render_to_string("alerts/alert_email.html", {"line": line, "details": details, "links": links,
                                                         "dashboard": dashboard, "campaign": campaign})
    subject = f"[{one_line(campaign.launch_name, max_length=200)}] {one_line(line, max_length=SUBJECT_HEADLINE)}"
    return Message(subject, text, blocks, html, slack_mrkdwn(text, 40_000))
