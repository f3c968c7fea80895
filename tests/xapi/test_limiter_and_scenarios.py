import datetime as dt
import os
import subprocess
import sys
import time

import pytest

from fakes.x_api.world import build_world, load_scenario

ACQUIRE = """
import os, time, django
os.environ["DJANGO_SETTINGS_MODULE"] = "socap_project.settings"
django.setup()
from xapi.errors import SlotBusy
from xapi.ratelimit import KeyRateLimiter
limiter = KeyRateLimiter("shared-key", 10)
stamps = []
while len(stamps) < 15:
    before = time.time()
    try:
        limiter.acquire()
    except SlotBusy as busy:  # no slot: come back when the limiter says one frees up (a task's countdown)
        assert 0 < busy.retry_after <= 1.0
        time.sleep(busy.retry_after)
        continue
    stamps.append(f"{before:.4f}:{time.time():.4f}")  # the slot was taken somewhere in between
print(" ".join(stamps))
"""


def test_limiter_holds_the_rate_across_two_processes(redis_conn):
    env = {**os.environ}
    started = time.time()
    procs = [subprocess.Popen([sys.executable, "-c", ACQUIRE], env=env, stdout=subprocess.PIPE, text=True)
             for _ in range(2)]
    outputs = [p.communicate(timeout=60)[0] for p in procs]
    elapsed = time.time() - started
    spans = sorted(tuple(float(t) for t in s.split(":")) for out in outputs for s in out.split())
    assert len(spans) == 30
    # 10 requests/s shared: 30 slots need at least 2 s after the first burst of 10.
    assert spans[-1][1] - spans[0][0] >= 1.9, spans
    for index in range(len(spans) - 10):
        # Never 11 in one second: even the widest reading of when the two slots were taken (the later
        # one's end, the earlier one's start; a loaded machine delays either) spans a second.
        assert spans[index + 10][1] - spans[index][0] >= 0.95, (spans[index], spans[index + 10])
    assert elapsed < 30


def test_a_full_limiter_raises_at_once_with_the_wait_until_its_next_slot(redis_conn):
    from xapi.errors import SlotBusy
    from xapi.ratelimit import KeyRateLimiter

    limiter = KeyRateLimiter("full-key", 2)
    limiter.acquire()
    limiter.acquire()
    started = time.monotonic()
    with pytest.raises(SlotBusy) as busy:
        limiter.acquire()
    assert time.monotonic() - started < 0.5  # no sleeping in the worker
    assert 0 < busy.value.retry_after <= 1.0
    time.sleep(busy.value.retry_after + 0.05)
    limiter.acquire()  # free again when it said


def test_same_seed_same_ground_truth():
    scenario = load_scenario("tiny")
    end = dt.datetime(2025, 3, 18, 15, tzinfo=dt.UTC)
    assert build_world(scenario, seed=3).ground_truth(end) == build_world(scenario, seed=3).ground_truth(end)
    assert build_world(scenario, seed=3).ground_truth(end) != build_world(scenario, seed=4).ground_truth(end)


def test_ground_truth_at_t_holds_only_the_past_and_metrics_grow():
    world = build_world(load_scenario("tiny"))
    times = [world.launch + dt.timedelta(hours=h) for h in (1, 6, 24, 72)]
    for moment in times:
        truth = world.ground_truth(moment)
        assert all(e["timestamp"] <= moment.strftime("%Y-%m-%dT%H:%M:%SZ") for e in truth["engagements"])
    tweet = "1900000000000000101"
    series = [world.metrics(tweet, moment) for moment in times]
    for name in ("likeCount", "viewCount", "replyCount", "quoteCount"):
        values = [m[name] for m in series]
        assert values == sorted(values)
    kinds = {e["action_type"] for e in world.ground_truth(times[-1])["engagements"]}
    assert kinds == {"retweet", "reply", "quote"}
    doubles = [e for e in world.events if e.action == "reply"]
    assert len({(e.tweet_id, e.user_id) for e in doubles}) < len(doubles)  # someone replied twice
    assert any(e.removed_at for e in world.events)  # someone unretweeted
