"""The demo scenario is a believable launch, and its clock can run faster than real time."""

import datetime as dt
import hashlib
import json

from fakes.x_api.world import anchored_launch, build_world, load_scenario


def test_demo_is_a_launch_of_realistic_size_and_deterministic():
    scenario = load_scenario("demo")
    world = build_world(scenario)
    assert len(world.accounts) >= 20_000  # tens of thousands of accounts
    main = "1900000000000000201"
    end = world.launch + dt.timedelta(hours=scenario["duration_hours"])
    on_main = [e for e in world.events if e.tweet_id == main]
    assert 2_000 <= len(on_main) <= 10_000  # a few thousand retweets, replies and quotes
    assert world.metrics(main, end)["viewCount"] >= 1_000_000
    # Important people follow a small share of them: alerts stay a trickle, the index imports fast.
    assert 0.02 < len(world.following_index) / len(world.accounts) < 0.15
    again = build_world(load_scenario("demo"))
    assert again.ground_truth(end) == world.ground_truth(end)


def test_scenarios_used_by_tests_keep_their_world():
    # The tiny world of every ingestion and reliability test, fingerprinted before the demo grew.
    world = build_world(load_scenario("tiny"))
    truth = world.ground_truth(world.launch + dt.timedelta(hours=80))
    for engagement in truth["engagements"]:
        engagement.pop("followers")  # exported since (for reach), not part of the world
    digest = hashlib.sha256(json.dumps([truth, world.following_lines()], sort_keys=True).encode()).hexdigest()
    assert (len(world.accounts), len(world.events)) == (60, 88)
    assert digest == TINY_DIGEST


TINY_DIGEST = "7c0bdf68800a80c1a0d0655e711ac78d7a4b672872dd59b1c9722b15f1edf362"


def test_accelerated_clock_catches_up_with_real_time_when_the_launch_ends():
    scenario = {"duration_hours": 72}
    real_now = dt.datetime(2026, 1, 10, 12, tzinfo=dt.UTC)
    launch, start = anchored_launch(scenario, real_now, 5, 30)
    assert start - launch == dt.timedelta(hours=5)
    replay = dt.timedelta(hours=67) / 30  # the 67 simulated hours left, at 30x
    # At real_now + replay the simulated clock reads launch + 72 h, and that is the real time too.
    assert start + replay * 30 == launch + dt.timedelta(hours=72) == real_now + replay
    # Never ahead of the real clock before that: nothing stored lies in the real future.
    for minutes in range(0, int(replay.total_seconds() // 60), 7):
        elapsed = dt.timedelta(minutes=minutes)
        assert start + elapsed * 30 <= real_now + elapsed
    # At 1x it is simply "launched five hours ago".
    assert anchored_launch(scenario, real_now, 5, 1) == (real_now - dt.timedelta(hours=5), real_now)
