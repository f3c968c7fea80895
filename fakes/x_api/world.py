"""A deterministic launch: accounts, tweets and every engagement over time, from (scenario, seed).

Nothing here depends on the wall clock, so the same scenario and seed always
give the same world, and `ground_truth(t)` says exactly what had happened at t.
"""

from __future__ import annotations

import datetime as dt
import json
import math
import random
from dataclasses import dataclass, field
from pathlib import Path

SCENARIOS = Path(__file__).parent / "scenarios"

FIRST = ["Ada", "Ben", "Chloe", "Dev", "Elena", "Farid", "Grace", "Hiro", "Ines", "Jonas", "Kemi", "Liam", "Maya",
         "Nikhil", "Olga", "Pablo", "Quinn", "Rosa", "Sam", "Tara", "Umar", "Vera", "Wes", "Xin", "Yara", "Zoe"]
LAST = ["Okafor", "Lindqvist", "Moreau", "Patel", "Garcia", "Kim", "Novak", "Haddad", "Silva", "Nakamura",
        "Fischer", "Rossi", "Kowalski", "Adeyemi", "Chen", "Dubois", "Larsen", "Mehta", "Ortiz", "Walsh"]
BIOS = {
    "founders": ["Founder @{co}. Building tools for {topic}.", "Co-founder & CEO-in-training at {co}. Ex-{big}.",
                 "Second-time founder. Now building {co} ({topic})."],
    "vcs": ["Partner at {fund}. Investing in {topic} from pre-seed to A.", "Angel investor. Ex-{big}. 40+ checks.",
            "General Partner, {fund}. Backing technical founders."],
    "ai_creators": ["I explain generative AI in plain English. Weekly AI newsletter.",
                    "LLM tinkerer. Prompt tips and AI tools every day.",
                    "AI researcher turned creator. 3 videos/week."],
    "media": ["Reporter covering startups at {outlet}.", "Host of the {co} podcast. Interviews with builders.",
              "Tech editor at {outlet}."],
    "developers": ["Software engineer. Rust, Postgres, open source.", "Full stack developer shipping side projects.",
                   "Backend engineer @{big}. Writes about distributed systems."],
    "c_level": ["CTO at {co}. Scaling teams and systems.", "CMO at {co}. Brand, growth, storytelling.",
                "COO @{co}. Operations nerd."],
    "yc_alumni": ["Founder @{co} (YC W23).", "Building {co}, backed by Y Combinator.", "YC S22 alum. Now at {co}."],
    "others": ["Coffee, running, and good books.", "Dad of two. Opinions my own.", "Photographer. Traveller."],
}
FILL = {"co": ["Lumen", "Orbit", "Fieldnote", "Paperplane", "Quanta", "Mossworks", "Brightline", "Tandem"],
        "topic": ["payments", "dev tools", "healthcare", "climate", "B2B SaaS", "AI agents", "fintech"],
        "big": ["Stripe", "Google", "Shopify", "Meta", "Airbnb", "Datadog"],
        "fund": ["Northwind Ventures", "Harbor Capital", "Tidewater VC", "Summit Seed"],
        "outlet": ["TechCrunch", "The Verge", "Wired", "Bloomberg"]}
REPLIES = ["Congrats on the launch! 🚀", "This looks great, trying it today.", "How does it compare to the others?",
           "Huge milestone, well done team.", "Is there an API?", "Pricing?", "Signed up. The onboarding is smooth.",
           "Been waiting for this one."]
# Complaints, mixed in at the scenario's `negative_rate` so sentiment and its alert have something to find.
NEGATIVE = ["This is a scam. Terrible product.", "Broke my build twice today, awful experience.",
            "Worst launch I've seen, nothing works.", "Terrible pricing, what a disappointing ripoff.",
            "Pricing is a joke, hard pass. Disappointed."]
QUOTES = ["Worth a look if you care about {topic}.", "Big launch from the {co} team.", "This is how you ship.",
          "Bookmarking this. Impressive work."]


def _iso(moment: dt.datetime) -> str:
    return moment.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def created_at_text(moment: dt.datetime) -> str:
    return moment.astimezone(dt.UTC).strftime("%a %b %d %H:%M:%S +0000 %Y")


@dataclass
class Account:
    id: str
    username: str
    name: str
    description: str
    location: str
    followers: int
    category: str

    def as_user(self) -> dict:
        return {"type": "user", "id": self.id, "userName": self.username, "name": self.name,
                "description": self.description, "location": self.location, "followers": self.followers,
                "following": self.followers // 7, "isBlueVerified": self.followers > 20000}


@dataclass
class Tweet:
    id: str
    category: str
    author: Account
    posted_at: dt.datetime
    totals: dict
    text: str
    protected: bool = False


@dataclass
class Event:
    tweet_id: str
    user_id: str
    action: str  # retweet | reply | quote
    at: dt.datetime
    text: str | None = None
    event_tweet_id: str | None = None
    removed_at: dt.datetime | None = None  # an unretweet


@dataclass
class World:
    scenario: dict
    seed: int
    launch: dt.datetime
    accounts: dict[str, Account] = field(default_factory=dict)
    tweets: dict[str, Tweet] = field(default_factory=dict)
    events: list[Event] = field(default_factory=list)
    following_index: dict[str, list[dict]] = field(default_factory=dict)
    # (tweet, action) -> its events newest first; built on first read (the world never changes after build).
    _lists: dict[tuple[str, str], list[Event]] | None = field(default=None, repr=False)

    # -- reading the world at a time t ---------------------------------------
    def _list(self, tweet_id: str, action: str) -> list[Event]:
        if self._lists is None:
            lists: dict[tuple[str, str], list[Event]] = {}
            for event in self.events:
                lists.setdefault((event.tweet_id, event.action), []).append(event)
            for rows in lists.values():
                rows.sort(key=lambda e: (e.at, e.user_id, e.event_tweet_id or ""), reverse=True)
            self._lists = lists
        return self._lists.get((tweet_id, action), [])

    def visible(self, tweet_id: str, action: str, at: dt.datetime) -> list[Event]:
        """What the provider lists at t, newest first."""
        return [e for e in self._list(tweet_id, action)
                if e.at <= at and (e.removed_at is None or e.removed_at > at)]

    def _curve(self, tweet: Tweet, name: str, at: dt.datetime) -> int:
        """Cumulative likes/views/bookmarks: the same launch curve as the engagements."""
        total = tweet.totals.get(name, 0)
        if at <= tweet.posted_at:
            return 0
        elapsed = (at - tweet.posted_at).total_seconds() / 3600
        share = _curve_share(elapsed, self.scenario)
        return int(total * share)

    def metrics(self, tweet_id: str, at: dt.datetime) -> dict:
        tweet = self.tweets[tweet_id]
        return {
            "retweetCount": len(self.visible(tweet_id, "retweet", at)),
            "replyCount": len(self.visible(tweet_id, "reply", at)),
            "quoteCount": len(self.visible(tweet_id, "quote", at)),
            "likeCount": self._curve(tweet, "likes", at),
            "viewCount": self._curve(tweet, "views", at),
            "bookmarkCount": self._curve(tweet, "bookmarks", at),
        }

    def ground_truth(self, at: dt.datetime) -> dict:
        """Every engagement up to t (with whether it is still visible) and every tweet's metrics at t."""
        engagements = [
            {"tweet_id": e.tweet_id, "user_id": e.user_id, "action_type": e.action, "timestamp": _iso(e.at),
             "text": e.text, "engagement_tweet_id": e.event_tweet_id,
             "followers": self.accounts[e.user_id].followers,
             "visible": e.removed_at is None or e.removed_at > at,
             "removed_at": _iso(e.removed_at) if e.removed_at and e.removed_at <= at else None}
            for e in self.events if e.at <= at
        ]
        return {
            "scenario": self.scenario["name"], "seed": self.seed, "at": _iso(at),
            "engagements": engagements,
            "metrics": {tweet_id: self.metrics(tweet_id, at) for tweet_id in self.tweets},
        }

    def following_lines(self) -> list[dict]:
        return [{"user_id": user_id, "followers": followers} for user_id, followers in self.following_index.items()]

    def tweet_urls(self) -> list[dict]:
        return [{"id": t.id, "category": t.category, "url": f"https://x.com/{t.author.username}/status/{t.id}",
                 "author": t.author.username, "protected": t.protected} for t in self.tweets.values()]


def _curve_share(elapsed_hours: float, scenario: dict) -> float:
    """Share of a tweet's final total reached after `elapsed_hours`: a spike, then a long tail."""
    decay = scenario.get("decay_hours", 8)
    duration = scenario.get("duration_hours", 72)
    spike = 1 - math.exp(-elapsed_hours / decay)
    tail = min(1.0, elapsed_hours / duration)
    return min(1.0, 0.75 * spike + 0.25 * tail)


def _event_offset_hours(rng: random.Random, scenario: dict) -> float:
    """Inverse of _curve_share, sampled: most engagement in the first hours, some all window long."""
    decay = scenario.get("decay_hours", 8)
    duration = scenario.get("duration_hours", 72)
    if rng.random() < 0.75:
        return min(duration, rng.expovariate(1 / decay))
    return rng.uniform(0, duration)


def _account(rng: random.Random, index: int, category: str) -> Account:
    first, last = rng.choice(FIRST), rng.choice(LAST)
    template = rng.choice(BIOS[category])
    bio = template.format(**{k: rng.choice(v) for k, v in FILL.items()})
    followers = int(rng.lognormvariate(7.5 if category != "others" else 5.5, 1.3))
    # X usernames are at most 15 characters.
    return Account(id=str(10_000_000 + index), username=f"{first.lower()[:5]}{last.lower()[:3]}{index}"[:15],
                   name=f"{first} {last}", description=bio,
                   location=rng.choice(["San Francisco", "London", "Berlin", "Lagos", "Bangalore", "NYC", ""]),
                   followers=followers, category=category)


def anchored_launch(scenario: dict, real_now: dt.datetime, launch_ago_hours: float,
                    speed: float) -> tuple[dt.datetime, dt.datetime]:
    """(launch, simulated start) for a realtime clock running `speed` times real time.

    The launch is `launch_ago_hours` old when the simulator starts, and the simulated clock
    catches up with the real one exactly when the launch's `duration_hours` are over: at 1x
    that is "launched H hours ago"; faster, the launch replays its whole curve in
    (duration - H) / speed real hours, and nothing it reports ever lies in the real future,
    so a campaign over [launch, launch + duration] ends (and completes) when the replay does.
    """
    duration = dt.timedelta(hours=scenario.get("duration_hours", 72))
    ago = dt.timedelta(hours=launch_ago_hours)
    launch = real_now - duration + (duration - ago) / speed
    return launch, launch + ago


def load_scenario(name_or_path: str) -> dict:
    path = Path(name_or_path)
    if not path.suffix:
        path = SCENARIOS / f"{name_or_path}.json"
    return json.loads(path.read_text())


def build_world(scenario: dict, seed: int | None = None, launch: dt.datetime | None = None,
                scale: float = 1.0) -> World:
    seed = scenario.get("seed", 7) if seed is None else seed
    rng = random.Random(seed)
    launch = launch or dt.datetime.fromisoformat(scenario["launch_time"].replace("Z", "+00:00"))
    world = World(scenario=scenario, seed=seed, launch=launch)
    mix = scenario["accounts"]["mix"]
    categories, weights = list(mix), list(mix.values())
    for index in range(int(scenario["accounts"]["count"] * scale)):
        account = _account(rng, index, rng.choices(categories, weights)[0])
        world.accounts[account.id] = account
    pool = list(world.accounts.values())

    important = [_account(rng, 900_000 + i, rng.choice(["vcs", "founders", "c_level"]))
                 for i in range(scenario.get("important_people", 10))]
    # A real launch reaches far more accounts than the important people follow: `followed_share`
    # keeps the index (and the alerts) to that share. Absent, no draw is made: older scenarios keep their world.
    followed_share = scenario.get("followed_share")
    for account in pool:
        if account.category in ("others",) and rng.random() < 0.7:
            continue
        if followed_share is not None and rng.random() >= followed_share:
            continue
        followed_by = rng.sample(important, k=rng.randint(0, min(4, len(important))))
        if followed_by:
            world.following_index[account.id] = [
                {"id": p.id, "username": p.username, "weight": rng.choice([1, 2, 3, 5, 8, 13])} for p in followed_by
            ]

    event_ids = iter(range(2_000_000_000_000_000_000, 3_000_000_000_000_000_000, 7919))
    for spec in scenario["tweets"]:
        author = _account(rng, 800_000 + len(world.tweets), spec.get("author_category", "founders"))
        if spec.get("author"):
            author.username = spec["author"]
        tweet = Tweet(id=spec["id"], category=spec["category"], author=author,
                      posted_at=launch + dt.timedelta(minutes=spec.get("offset_minutes", 0)),
                      totals={k: int(spec.get(k, 0) * scale) for k in ("likes", "views", "bookmarks")},
                      text=spec.get("text", "We just launched!"), protected=spec.get("protected", False))
        world.tweets[tweet.id] = tweet
        for action, key in (("retweet", "retweets"), ("reply", "replies"), ("quote", "quotes")):
            count = int(spec.get(key, 0) * scale)
            engagers = rng.sample(pool, k=min(count, len(pool)))
            for account in engagers:
                at = tweet.posted_at + dt.timedelta(hours=_event_offset_hours(rng, scenario),
                                                    seconds=rng.randint(0, 59))
                at = at.replace(microsecond=0)
                if action == "retweet":
                    removed = None
                    if rng.random() < scenario.get("unretweet_rate", 0.0):
                        removed = at + dt.timedelta(hours=rng.uniform(0.5, 12))
                    world.events.append(Event(tweet.id, account.id, action, at, removed_at=removed))
                    continue
                texts = REPLIES if action == "reply" else QUOTES
                text = rng.choice(texts).format(**{k: rng.choice(v) for k, v in FILL.items()})
                world.events.append(Event(tweet.id, account.id, action, at, text, str(next(event_ids))))
                if action == "reply" and rng.random() < scenario.get("double_reply_rate", 0.0):
                    later = at + dt.timedelta(minutes=rng.randint(5, 240))
                    world.events.append(Event(tweet.id, account.id, action, later, rng.choice(REPLIES),
                                              str(next(event_ids))))
    # A separate generator: adding complaints leaves every other draw (and so every other scenario) as it was.
    sour = random.Random(seed * 7919 + 2)
    for event in world.events:
        if event.text and sour.random() < scenario.get("negative_rate", 0.0):
            event.text = sour.choice(NEGATIVE)
    _add_bursts(world, scenario, seed, event_ids)
    world.events.sort(key=lambda e: (e.at, e.tweet_id, e.user_id, e.event_tweet_id or ""))
    return world


def _add_bursts(world: World, scenario: dict, seed: int, event_ids) -> None:
    """The launch takes off again (say, a famous account shares it): within a few minutes, many
    well-connected accounts engage several tweets each. Drawn from a generator of its own, so a
    scenario's other engagements stay exactly what they were without the burst."""
    rng = random.Random(seed * 7919 + 1)
    weight = {user_id: sum(f["weight"] for f in followers) for user_id, followers in world.following_index.items()}
    for burst in scenario.get("bursts", []):
        start = world.launch + dt.timedelta(minutes=burst["at_minutes"])
        span = burst.get("span_minutes", 3) * 60
        taken = {(e.tweet_id, e.user_id, e.action) for e in world.events}
        candidates = sorted(weight, key=lambda user_id: (-weight[user_id], user_id))[: burst["accounts"] * 2]
        for user_id in rng.sample(candidates, k=min(burst["accounts"], len(candidates))):
            for tweet_id, action in burst["engagements"]:
                if (tweet_id, user_id, action) in taken:
                    continue
                at = start + dt.timedelta(seconds=rng.randint(0, span))
                if action == "retweet":
                    world.events.append(Event(tweet_id, user_id, action, at))
                    continue
                texts = REPLIES if action == "reply" else QUOTES
                text = rng.choice(texts).format(**{k: rng.choice(v) for k, v in FILL.items()})
                world.events.append(Event(tweet_id, user_id, action, at, text, str(next(event_ids))))
