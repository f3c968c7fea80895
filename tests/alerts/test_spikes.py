"""The spike alert by rates (alerts/spikes.py, alerts/spike_rates.py): independent of read times."""

import datetime as dt

import pytest
from django.conf import settings
from django.utils import timezone

from alerts import planning, spikes
from alerts.messages import spike_headline as spikes_headline
from alerts.models import AlertHistory
from alerts.sender import send_due
from ingestion.polling import poll_cycles, worker_state
from socap_project import mongo
from tests.alerts.test_alerts import campaign_with, make_due, stored
from tests.factories import engagement_doc, make_campaign

pytestmark = pytest.mark.django_db(transaction=True)
STEADY = 6  # engagements per tweet per interval before the burst


class Launch:
    """Poll cycles one interval apart; each reads the tweets given and collects the counts given."""

    def __init__(self, campaign):
        self.campaign = campaign
        self.tweets = {t.category: t for t in campaign.tweets.all()}
        self.interval = dt.timedelta(seconds=settings.SOCAP_POLL_INTERVAL_SECONDS)
        self.start = timezone.now() - 40 * self.interval
        self.index = 0
        self.users = 0
        self.plans = []

    def cycle(self, counts: dict[str, int], *, read=None, kind=poll_cycles.POLL):
        """`counts`: new engagements per tweet category; `read`: the categories read (default: those counted)."""
        at = self.start + self.index * self.interval
        self.index += 1
        cycle_id = poll_cycles.open_cycle(self.campaign.pk, at, kind=kind)
        read = counts.keys() if read is None else read
        poll_cycles.expect_jobs(cycle_id, len(read))
        poll_cycles.record_readings(cycle_id, {self.tweets[c].tweet_id: at for c in read})
        for category in read:
            count = counts.get(category, 0)
            docs = []
            for _ in range(count):
                self.users += 1
                docs.append(engagement_doc(self.campaign, self.tweets[category], f"u{self.users}",
                                           importance=self.users % 50, username=f"acct{self.users}"))
            if docs:
                stored(docs)
            tweet_id = self.tweets[category].tweet_id
            poll_cycles.job_done(cycle_id, f"{tweet_id}:retweeters", count, tweet_id=tweet_id)
        plan = planning.plan_cycle(cycle_id)
        self.plans.append(plan)
        return plan

    def steady(self, cycles_: int, per=STEADY):
        for _ in range(cycles_):
            self.cycle(dict.fromkeys(self.tweets, per))


def spike_items():
    return list(mongo.collection(mongo.ALERT_QUEUE).find({"kind": spikes.SPIKE}))


def spiked(launch):
    return [i for i, p in enumerate(launch.plans) if p.spike]


def test_a_burst_read_in_one_cycle_alerts_once_naming_the_tweet(sinks):
    campaign = campaign_with(sinks, spike_factor=3, spike_min_engagements=10, importance_threshold=1000)
    launch = Launch(campaign)
    launch.steady(8)
    launch.cycle({"main_twt": 60, "influencer_twt": STEADY, "investor_twt": STEADY})
    [item] = spike_items()
    # A planner killed after queueing plans the cycle again: no second alert, the same state.
    mongo.collection(mongo.POLL_CYCLES).update_one({"_id": item["run_batch"]}, {"$set": {"state": poll_cycles.RUNNING}})
    assert planning.plan_cycle(item["run_batch"]).spike
    launch.steady(4)
    assert spiked(launch) == [8]
    [item] = spike_items()
    [main] = item["spike"]["tweets"]
    assert (main["count"], main["ratio"], main["minutes"]) == (60, 10.0, 30.0)
    # Planned again after later cycles: nothing measured twice.
    mongo.collection(mongo.POLL_CYCLES).update_one({"_id": item["run_batch"]}, {"$set": {"state": poll_cycles.RUNNING}})
    assert not planning.plan_cycle(item["run_batch"]).spike
    assert len(spike_items()) == 1
    make_due()
    send_due()
    slack = [m["text"] for m in sinks.messages()["slack"]]
    assert len(slack) == 1 and slack[0].startswith(
        "Engagement spike: Main tweet @author: 60 new engagements in 30 min, 10.0× its rate over the previous 3.5 h. "
        "Top accounts: Account @acct")
    assert len(sinks.messages()["email"]) == 1
    assert sinks.messages()["email"][0]["subject"].startswith("[Launch Q1] Engagement spike: Main tweet @author")
    history = AlertHistory.objects.filter(action_type="spike")
    assert sorted(history.values_list("channel", flat=True)) == ["email", "slack"]


def test_a_burst_split_across_two_cycles_alerts_once(mongo_db, redis_conn):
    campaign = make_campaign(spike_factor=3, spike_min_engagements=10)
    launch = Launch(campaign)
    launch.steady(8)
    # Half the burst read at the end of one cycle, the rest (and the other tweets' share) in the next.
    launch.cycle({"main_twt": 35, "influencer_twt": STEADY, "investor_twt": STEADY})
    launch.cycle({"main_twt": 35, "influencer_twt": 40, "investor_twt": 30})
    launch.steady(4)
    assert spiked(launch) == [8]
    [item] = spike_items()
    # Sent first: the cycle's account alerts (importance >= 10 here) are spread after it.
    others = list(mongo.collection(mongo.ALERT_QUEUE).find({"user_id": {"$ne": spikes.SPIKE},
                                                            "run_batch": item["run_batch"]}))
    assert others and all(item["scheduled_send_time"] < other["scheduled_send_time"] for other in others)
    # The next burst, after the first one ended, is a spike of its own.
    launch.cycle({"main_twt": 70, "influencer_twt": STEADY, "investor_twt": STEADY})
    assert spiked(launch) == [8, 14]


def test_a_burst_on_a_tweet_backed_off_to_four_intervals_alerts_once_and_snaps_it_back(mongo_db, redis_conn):
    campaign = make_campaign(spike_factor=3, spike_min_engagements=10)
    launch = Launch(campaign)
    worker_state.create_states(campaign.mongo_id, [t.tweet_id for t in launch.tweets.values()])
    metrics = mongo.collection(mongo.WORKER_STATE)
    investor = launch.tweets["investor_twt"].tweet_id
    metrics.update_one({"campaign_id": campaign.mongo_id, "tweet_id": investor, "job_type": "metrics"},
                       {"$set": {"cadence": 4, "next_poll_at": timezone.now() + dt.timedelta(hours=2)}})
    # The investor tweet is read every fourth cycle and collects 4 intervals' worth each time (2 per interval):
    # by count it looks 4x busier in those cycles, by rate it is as steady as ever.
    for index in range(16):
        read = ["main_twt", "influencer_twt"] + (["investor_twt"] if index % 4 == 3 else [])
        launch.cycle({"main_twt": STEADY, "influencer_twt": STEADY, "investor_twt": 8}, read=read)
    assert spiked(launch) == []
    # 40 engagements in a 3-minute burst, read up to 4 intervals later with the 4 intervals' usual 8.
    for _ in range(3):
        launch.cycle({"main_twt": STEADY, "influencer_twt": STEADY}, read=["main_twt", "influencer_twt"])
    launch.cycle({"main_twt": STEADY, "influencer_twt": STEADY, "investor_twt": 48})
    launch.steady(3, per=STEADY)
    assert spiked(launch) == [19]
    [item] = spike_items()
    [numbers] = item["spike"]["tweets"]
    assert (numbers["tweet_category"], numbers["count"], numbers["minutes"], numbers["ratio"]) == \
        ("investor_twt", 48, 120.0, 6.0)
    state = metrics.find_one({"campaign_id": campaign.mongo_id, "tweet_id": investor, "job_type": "metrics"})
    assert (state["cadence"], state["quiet_polls"], state["next_poll_at"]) == (1, 0, None)


def test_a_slow_steady_decline_raises_none_at_any_cadence(mongo_db, redis_conn):
    campaign = make_campaign(spike_factor=3, spike_min_engagements=10)
    launch = Launch(campaign)
    main = 60
    for index in range(30):
        # The influencer tweet rests every other cycle: what it collects is twice the interval's.
        read = ["main_twt", "investor_twt"] + (["influencer_twt"] if index % 2 else [])
        launch.cycle({"main_twt": main, "influencer_twt": 40 - index, "investor_twt": max(1, 20 - index)},
                     read=read)
        main = int(main * 0.93)
    assert spiked(launch) == []


def test_many_quiet_tweets_rising_together_raise_the_campaign_spike(mongo_db, redis_conn):
    # Each tweet's burst is below the minimum of 10 (no tweet spike); the campaign's cycle reaches it, at 4x
    # the campaign's trailing rate.
    campaign = make_campaign(spike_factor=3, spike_min_engagements=10, tweets={"main_twt": 2, "influencer_twt": 2})
    launch = Launch(campaign)
    launch.tweets = {t.tweet_id: t for t in campaign.tweets.all()}
    launch.steady(6, per=1)
    launch.cycle(dict.fromkeys(launch.tweets, 4))
    assert spiked(launch) == [6]
    [item] = spike_items()
    assert not item["spike"]["tweets_spiked"] and item["spike"]["campaign"]["ratio"] == 4.0
    assert item["spike"]["campaign"]["count"] == 16 and len(item["spike"]["tweets"]) == 3
    line = spikes_headline(item)
    assert line.startswith("Engagement spike: 16 new engagements across the campaign's tweets, 4.0× their rate "
                           "over the previous 2.5 h (")
    assert line.count(" tweet @author: 4 new engagements in 30 min, 4.0× its rate over the previous 2.5 h") == 3


def test_no_spike_without_history_or_below_the_minimum(mongo_db, redis_conn):
    campaign = make_campaign(spike_factor=3, spike_min_engagements=10)
    launch = Launch(campaign)
    launch.cycle({"main_twt": 0})  # first reading: spans start here
    launch.cycle({"main_twt": 1})
    launch.cycle({"main_twt": 1})
    launch.cycle({"main_twt": 40})  # two earlier spans only
    launch.steady(4, per=1)
    launch.cycle({"main_twt": 9, "influencer_twt": 1, "investor_twt": 1})  # 9x, but fewer than 10
    assert spiked(launch) == []


def test_engagements_of_a_run_that_left_its_span_open_count_in_the_next_span(mongo_db, redis_conn):
    # A list job stopped early (an error): its share is counted with the next reading, over both intervals,
    # so the cycle that finishes the reading does not look twice as busy.
    campaign = make_campaign(spike_factor=1.5, spike_min_engagements=10)
    launch = Launch(campaign)
    launch.steady(6, per=10)
    at = launch.start + launch.index * launch.interval
    launch.index += 1
    cycle_id = poll_cycles.open_cycle(campaign.pk, at)
    poll_cycles.expect_jobs(cycle_id, 3)
    poll_cycles.record_readings(cycle_id, {t.tweet_id: at for t in launch.tweets.values()})
    for category, tweet in launch.tweets.items():
        poll_cycles.job_done(cycle_id, f"{tweet.tweet_id}:retweeters", 4 if category == "main_twt" else 10,
                        tweet_id=tweet.tweet_id, complete=category != "main_twt")
    assert not planning.plan_cycle(cycle_id).spike
    launch.cycle({"main_twt": 16, "influencer_twt": 10, "investor_twt": 10})  # 4 + 16 over two intervals
    assert spiked(launch) == []
    main = launch.tweets["main_twt"].tweet_id
    state = mongo.collection(mongo.TWEET_RATES).find_one({"_id": f"{campaign.mongo_id}:{main}"})
    assert state["spans"][-1]["count"] == 20 and state["carry"] == 0


def test_a_job_reporting_after_the_bounded_wait_counts_in_the_next_span(mongo_db, redis_conn):
    campaign = make_campaign(spike_factor=3, spike_min_engagements=10)
    launch = Launch(campaign)
    launch.steady(5, per=10)
    main = launch.tweets["main_twt"].tweet_id
    at = launch.start + launch.index * launch.interval
    launch.index += 1
    cycle_id = poll_cycles.open_cycle(campaign.pk, at)
    poll_cycles.expect_jobs(cycle_id, 1)
    poll_cycles.record_readings(cycle_id, {main: at})
    assert not planning.plan_cycle(cycle_id).spike  # the bounded wait ran out before the job reported
    poll_cycles.job_done(cycle_id, f"{main}:retweeters", 10, tweet_id=main)  # late
    state = mongo.collection(mongo.TWEET_RATES).find_one({"_id": f"{campaign.mongo_id}:{main}"})
    assert state["spans"][-1]["count"] == 0 and state["carry"] == 10
    launch.cycle({"main_twt": 10})
    state = mongo.collection(mongo.TWEET_RATES).find_one({"_id": f"{campaign.mongo_id}:{main}"})
    assert state["spans"][-1]["count"] == 20 and state["carry"] == 0
    assert spiked(launch) == []


def test_a_spike_is_claimed_before_a_backlog_of_account_alerts(mongo_db, redis_conn):
    from alerts.sender import claim_next

    campaign = make_campaign(spike_factor=3, spike_min_engagements=10, importance_threshold=1)
    launch = Launch(campaign)
    launch.steady(8)
    backlog = mongo.collection(mongo.ALERT_QUEUE).count_documents({"kind": {"$ne": spikes.SPIKE}})
    assert backlog > 0
    # The backlog of earlier cycles fell due long before the burst's cycle started.
    mongo.collection(mongo.ALERT_QUEUE).update_many({}, {"$set": {"scheduled_send_time": launch.start}})
    launch.cycle({"main_twt": 60, "influencer_twt": STEADY, "investor_twt": STEADY})
    first = claim_next("test-owner", timezone.now())
    assert first["kind"] == spikes.SPIKE
    second = claim_next("test-owner", timezone.now())
    assert second.get("kind") != spikes.SPIKE and second["user_id"] != spikes.SPIKE
