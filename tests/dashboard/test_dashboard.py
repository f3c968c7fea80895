import datetime as dt
import shutil
import subprocess
from collections import Counter
from pathlib import Path

import pytest
from django.test import Client
from django.utils import timezone
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from dashboard import selectors
from campaigns.services import CampaignChanges, update_campaign
from dashboard.services import add_latest_deltas, rebuild_rollups, record_engagements
from ingestion.polling.metrics_job import write_snapshot
from socap_project import mongo
from ingestion.storing.engagements import reserve_seq
from tests.factories import engagement_doc, make_campaign, store_engagements

pytestmark = pytest.mark.django_db(transaction=True)
CATS = ["vcs", "founders", "developers", "media", "others"]


def seeded(**fields):
    campaign = make_campaign(tweets={"main_twt": 2, "influencer_twt": 1, "investor_twt": 1},
                             slack_webhook_url="https://hooks.slack.com/services/T0/B0/SECRETXYZ",
                             client_email="private-client@example.com", **fields)
    tweets = list(campaign.tweets.all())
    for index, tweet in enumerate(tweets):
        tweet.metrics = {"likes": 100 + index, "retweets": 10, "quotes": 2, "replies": 5,
                         "views": 5000 * (index + 1), "bookmarks": 1, "last_updated": timezone.now().isoformat()}
        tweet.save()
    write_snapshot(campaign, timezone.now())
    start = timezone.now().replace(minute=0, second=0, microsecond=0) - dt.timedelta(hours=30)
    docs = []
    for i in range(60):
        tweet = tweets[i % len(tweets)]
        action = ("retweet", "reply", "quote")[i % 3]
        docs.append(engagement_doc(campaign, tweet, str(i % 37), action, category=CATS[(i % 37) % 5],
                                   importance=(i % 37) % 13, username=f"acct{i % 37}",
                                   timestamp=start + dt.timedelta(hours=i % 29, minutes=i % 50),
                                   text="nice launch" if action != "retweet" else None))
    unique = {(d["tweet_id"], d["user_id"], d["action_type"]): d for d in docs}
    docs = sorted(unique.values(), key=lambda d: d["seq"])  # hand-offs come in storing order
    mongo.collection(mongo.ENGAGEMENTS).insert_many(docs)
    record_engagements(campaign.mongo_id, docs[:25])
    record_engagements(campaign.mongo_id, docs[25:])
    return campaign, docs


@pytest.fixture
def data(mongo_db, redis_conn):
    return seeded()


def test_aggregates_equal_an_independent_count(data):
    campaign, docs = data
    summary = selectors.summary(campaign)
    assert summary["engagements"] == len(docs)
    assert summary["unique_accounts"] == len({d["user_id"] for d in docs})
    best = {}
    for d in docs:
        best[d["user_id"]] = max(best.get(d["user_id"], 0), d["importance_score"])
    assert summary["important_accounts"] == sum(1 for v in best.values() if v >= campaign.importance_threshold)
    assert summary["totals"]["views"] == 5000 * (1 + 2 + 3 + 4)
    first_category = {}
    for d in sorted(docs, key=lambda d: d["seq"]):  # an account's category when first stored
        first_category.setdefault(d["user_id"], d["account_category"])
    assert selectors.accounts_by_category(campaign) == dict(Counter(first_category.values()))
    hourly = selectors.profile_timeseries(campaign, "hour")
    expected = Counter((d["hour"].isoformat(), d["account_category"]) for d in docs)
    got = Counter({(t, c): n for c, values in hourly["series"].items()
                   for t, n in zip(hourly["times"], values, strict=True) if n})
    assert got == expected
    daily = selectors.profile_timeseries(campaign, "day")
    assert sum(sum(v) for v in daily["series"].values()) == len(docs)
    metrics = selectors.metrics_series(campaign, "hour")
    assert metrics["series"]["total"]["views"][-1] == summary["totals"]["views"]


def test_incremental_rollups_equal_a_rebuild(data):
    campaign, _ = data

    def snapshot():
        rows = mongo.collection(mongo.ENGAGEMENT_ROLLUPS).find({"campaign_id": campaign.mongo_id}, {"_id": 0})
        rollups = sorted(((r["hour"], sorted(r["cells"].items()), r["count"]) for r in rows),
                         key=lambda row: (row[0] is not None, row[0] or 0))
        stats = mongo.collection(mongo.CAMPAIGN_STATS).find_one({"_id": campaign.mongo_id}, {"latest_deltas": 0})
        counters = {name: ({k: v for k, v in value.items() if v} if isinstance(value, dict) else value)
                    for name, value in stats.items()}
        accounts = sorted((a["user_id"], a["max_importance"], a["first_seq"], a["engagements"], a["account_category"])
                          for a in mongo.collection(mongo.CAMPAIGN_ACCOUNTS).find({"campaign_id": campaign.mongo_id}))
        return rollups, counters, accounts

    before = snapshot()
    rebuild_rollups(campaign.mongo_id)
    assert snapshot() == before


def _all_pages(campaign, limit, **filters):
    seen, cursor = [], None
    while True:
        page = selectors.engagements(campaign, limit=limit, cursor=cursor, **filters)
        seen += page["results"]
        cursor = page["next_cursor"]
        if not cursor:
            return seen


def _expected(docs, sort, category=None, action_type=None, tweet_category=None):
    wanted = [d for d in docs if (not category or d["account_category"] == category)
              and (not action_type or d["action_type"] == action_type)
              and (not tweet_category or d["tweet_category"] == tweet_category)]
    if sort == "timestamp":
        return [d["seq"] for d in sorted(wanted, key=lambda d: -d["seq"])]
    return [d["seq"] for d in sorted(wanted, key=lambda d: (-d["importance_score"], -d["seq"]))]


FILTER_CASES = [{}, {"action_type": "quote"}, {"category": "vcs", "tweet_category": "main_twt"},
                {"category": "media", "action_type": "reply", "tweet_category": "investor_twt"}]


@pytest.mark.parametrize("sort", ["timestamp", "importance_score"])
@pytest.mark.parametrize("filters", FILTER_CASES)
def test_engagers_keyset_pages_equal_an_independent_sort(data, sort, filters):
    campaign, docs = data
    seen = _all_pages(campaign, 7, sort=sort, **filters)
    assert [d["seq"] for d in seen] == _expected(docs, sort, **filters)


def test_engagers_pages_through_a_crowded_score_and_sequence_gaps(mongo_db, redis_conn):
    campaign = make_campaign(launch_name="Crowded")
    tweet = campaign.tweets.first()
    docs = []
    for i in range(450):
        if i % 5 == 0:
            reserve_seq(campaign.mongo_id, 3)  # numbers reserved by runs that found less than expected
        score = (0, 0, 0, 0, 0, 0, 2.5, 7, 7, 40)[i % 10]
        docs.append(engagement_doc(campaign, tweet, f"u{i}", ("retweet", "reply")[i % 2], importance=score,
                                   category=CATS[i % 5]))
    mongo.collection(mongo.ENGAGEMENTS).insert_many(docs)
    record_engagements(campaign.mongo_id, docs)
    for sort in ("timestamp", "importance_score"):
        for filters in ({}, {"action_type": "reply"}, {"category": CATS[1]}):
            assert [d["seq"] for d in _all_pages(campaign, 25, sort=sort, **filters)] == \
                _expected(docs, sort, **filters)
    with pytest.raises(selectors.BadParameter):
        selectors.engagements(campaign, category="aliens")
    first = selectors.engagements(campaign, limit=5)
    with pytest.raises(selectors.BadParameter):
        selectors.engagements(campaign, sort="importance_score", cursor=first["next_cursor"])


def test_client_link_isolation_and_no_secrets(data):
    campaign, docs = data
    other, _ = seeded(launch_name="Competitor secret launch")
    client = Client()
    page = client.get(f"/socap/c/{campaign.share_token}/")
    html = page.content.decode()
    assert page.status_code == 200 and campaign.launch_name in html
    for secret in ("SECRETXYZ", "hooks.slack.com", "private-client@example.com", "Competitor secret launch",
                   "Worker", "lease", "test-key"):
        assert secret not in html
    part = client.get(f"/socap/c/{campaign.share_token}/?part=engagers&action_type=reply").content.decode()
    assert "acct" in part and "<html" not in part
    assert client.get(f"/socap/c/{campaign.share_token}/?part=timeline&user_id=nobody").status_code == 404
    assert client.get(f"/socap/c/{campaign.share_token}/?part=engagers&category=aliens").status_code == 400
    timeline = client.get(f"/socap/c/{other.share_token}/?part=timeline&user_id={docs[0]['user_id']}")
    assert campaign.launch_name not in timeline.content.decode()
    old = campaign.share_token
    campaign.rotate_share_token()
    assert client.get(f"/socap/c/{old}/").status_code == 404
    assert client.get(f"/socap/c/{old}/engagements.csv").status_code == 404


def test_client_page_shows_category_labels_and_the_api_keeps_keys(data):
    campaign, docs = data
    client = Client()
    engagers = client.get(f"/socap/c/{campaign.share_token}/?part=engagers").content.decode()
    rows = engagers[engagers.index("<tbody>"):engagers.index("</tbody>")]
    cell = '<td data-label="Category">{}</td>'.format
    assert cell("Investors/VCs") in rows and cell("Founders") in rows and cell("Other") in rows
    assert cell("vcs") not in rows and cell("others") not in rows
    assert '<option value="c_level" >C-level</option>' in engagers
    assert '<option value="ai_creators" >AI creators</option>' in engagers
    charts = client.get(f"/socap/c/{campaign.share_token}/?part=charts").content.decode()
    assert '"yc_alumni": "YC alumni"' in charts
    csv = b"".join(client.get(f"/socap/c/{campaign.share_token}/engagements.csv").streaming_content).decode()
    assert ",vcs," in csv and "Investors/VCs" not in csv


def test_staff_page_shows_worker_problems_and_csv_streams(data, django_user_model):
    campaign, docs = data
    tweet = campaign.tweets.first()
    mongo.collection(mongo.WORKER_STATE).insert_one({"campaign_id": campaign.mongo_id, "tweet_id": tweet.tweet_id,
                                                     "job_type": "retweets", "last_error": "RateLimited: 429"})
    client = Client()
    assert client.get(f"/socap/campaigns/{campaign.pk}/").status_code == 302
    client.force_login(django_user_model.objects.create_user("s", password="pw", is_staff=True))
    html = client.get(f"/socap/campaigns/{campaign.pk}/").content.decode()
    assert "RateLimited: 429" in html
    client_html = Client().get(f"/socap/c/{campaign.share_token}/").content.decode()
    assert "RateLimited" not in client_html
    csv_lines = b"".join(client.get(f"/socap/campaigns/{campaign.pk}/engagements.csv").streaming_content)
    assert len(csv_lines.decode().strip().splitlines()) == len(docs) + 1
    assert "Launch Q1" in client.get("/socap/dashboard/").content.decode()


def test_json_endpoints(data, django_user_model):
    campaign, docs = data
    api = APIClient()
    base = f"/socap/campaigns/{campaign.pk}"
    assert api.get(f"{base}/dashboard").status_code == 401
    user = django_user_model.objects.create_user("integrator", password="pw", is_staff=True)
    api.credentials(HTTP_AUTHORIZATION=f"Token {Token.objects.create(user=user).key}")
    body = api.get(f"{base}/dashboard").json()
    assert body["summary"]["engagements"] == len(docs) and len(body["latest_engagers"]) == 20
    assert api.get(f"{base}/metrics?granularity=week").status_code == 400
    assert api.get(f"{base}/metrics?granularity=day").json()["granularity"] == "day"
    assert api.get(f"{base}/profile-timeseries?granularity=hour").status_code == 200
    page = api.get(f"{base}/engagements?limit=10&sort=importance_score").json()
    assert len(page["results"]) == 10 and page["next_cursor"]
    assert api.get(f"{base}/engagements?limit=0").status_code == 400
    assert api.get(f"{base}/engagements?cursor=garbage").json()["errors"]["cursor"]
    user_id = docs[0]["user_id"]
    timeline = api.get(f"{base}/accounts/{user_id}/timeline").json()["engagements"]
    assert len(timeline) == sum(1 for d in docs if d["user_id"] == user_id)
    assert api.get("/socap/campaigns/999999/dashboard").status_code == 404


@pytest.mark.browser
@pytest.mark.skipif(shutil.which("chromium") is None, reason="Debian chromium is not installed")
def test_dashboard_in_headless_chromium(data, live_server, tmp_log_dir):
    campaign, _ = data
    url = f"{live_server.url}/socap/c/{campaign.share_token}/"
    shots = Path(tmp_log_dir) / "screenshots"
    shots.mkdir(exist_ok=True)
    flags = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
             "--disable-component-update", "--no-first-run", "--virtual-time-budget=6000",
             "--enable-logging=stderr", "--v=0"]
    dom = subprocess.run(["chromium", *flags, "--user-data-dir=" + str(shots / "p1"), "--dump-dom", url],
                         capture_output=True, text=True, timeout=120)
    console = [line for line in dom.stderr.splitlines() if "CONSOLE" in line]
    assert not [line for line in console if "Uncaught" in line or "Error" in line], console
    assert dom.stdout.count("<canvas") == 5  # metrics, accounts, profiles, reach, sentiment
    assert 'id="chart-metrics" height=' in dom.stdout or "box-sizing: border-box" in dom.stdout, "charts not drawn"
    for name, size in (("dashboard-laptop.png", "1366,1600"), ("dashboard-phone.png", "390,1800")):
        subprocess.run(["chromium", *flags, "--user-data-dir=" + str(shots / f"profile-{name}"),
                        f"--window-size={size}", "--hide-scrollbars", f"--screenshot={shots / name}", url],
                       capture_output=True, timeout=120)
        assert (shots / name).stat().st_size > 10_000


def test_rebuild_counters_numbers_older_engagements(db, mongo_db, redis_conn):
    from django.core.management import call_command

    campaign = make_campaign(launch_name="Older data")
    tweet = campaign.tweets.first()
    docs = [engagement_doc(campaign, tweet, f"old{i}", ("retweet", "reply")[i % 2], importance=i % 3, seq=0)
            for i in range(30)]
    for doc in docs:
        del doc["seq"]  # stored by a version without sequence numbers
    mongo.collection(mongo.ENGAGEMENTS).insert_many(docs)
    call_command("socap_rebuild_counters", "--campaign", str(campaign.pk))
    assert selectors.summary(campaign)["engagements"] == 30
    assert len(_all_pages(campaign, 7)) == 30
    call_command("socap_rebuild_counters", "--campaign", str(campaign.pk))  # a rerun changes nothing
    assert sorted(d["seq"] for d in mongo.collection(mongo.ENGAGEMENTS).find({"campaign_id": campaign.mongo_id})) \
        == list(range(1, 31))


# Every table against its card and the page: nothing may stick out at phone width.
OVERFLOW_CHECK = """(() => {
  const page = document.documentElement.scrollWidth - window.innerWidth;
  const tables = [...document.querySelectorAll("table")].map((table) => {
    const card = table.closest(".card").getBoundingClientRect();
    const box = table.getBoundingClientRect();
    const cells = [...table.querySelectorAll("td")].filter((td) => {
      const r = td.getBoundingClientRect();
      return r.width > 0 && (r.right > card.right + 1 || r.left < card.left - 1);
    }).length;
    return {cls: table.className,
            overflow: Math.max(box.right - card.right, table.scrollWidth - table.parentElement.clientWidth),
            cellsOutside: cells, rows: table.querySelectorAll("tbody tr").length};
  });
  return {page, width: window.innerWidth, tables,
          labels: [...new Set([...document.querySelectorAll("td[data-label]")]
                                .map((td) => getComputedStyle(td, "::before").content))]};
})()"""


@pytest.mark.browser
@pytest.mark.skipif(shutil.which("chromium") is None, reason="Debian chromium is not installed")
def test_tables_fit_a_390px_phone(data, live_server, django_user_model, tmp_log_dir):
    from django.conf import settings as django_settings

    from tests.support.browser import Page

    campaign, _ = data
    staff = Client()
    staff.force_login(django_user_model.objects.create_user("phone", password="pw", is_staff=True))
    mongo.collection(mongo.WORKER_STATE).insert_one({"campaign_id": campaign.mongo_id,
                                                     "tweet_id": campaign.tweets.first().tweet_id,
                                                     "job_type": "retweets", "last_error": "RateLimited: 429"})
    shots = Path(tmp_log_dir) / "screenshots"
    shots.mkdir(exist_ok=True)
    pages = {"client": f"{live_server.url}/socap/c/{campaign.share_token}/",
             "staff": f"{live_server.url}/socap/campaigns/{campaign.pk}/"}
    for width in (390, 1366):
        with Page("about:blank", width, 900) as browser:
            browser.set_cookie(django_settings.SESSION_COOKIE_NAME,
                               staff.cookies[django_settings.SESSION_COOKIE_NAME].value, live_server.url)
            for name, url in pages.items():
                browser.navigate(url)
                browser.wait_until("document.querySelectorAll('table.engagers tbody tr').length > 1")
                result = browser.evaluate(OVERFLOW_CHECK)
                browser.screenshot(shots / f"tables-{name}-{width}.png")
                assert result["width"] == width
                assert result["page"] <= 0, (name, width, result)
                tables = {table["cls"]: table for table in result["tables"]}
                assert {"stack", "engagers stack"} <= set(tables)  # the tweets and engagers tables
                for table in result["tables"]:  # and any other (the staff spend card): all fit
                    assert table["overflow"] <= 1 and table["cellsOutside"] == 0, (name, width, table)
                assert tables["stack"]["rows"] > 1 and tables["engagers stack"]["rows"] > 1
                if width == 390:  # stacked: each value says which column it belongs to
                    assert '"Retweets reported / collected: "' in result["labels"]
                    assert '"Importance: "' in result["labels"]


def test_pages_say_when_the_demo_clock_is_accelerated(data, settings, django_user_model):
    campaign, _ = data
    staff = Client()
    staff.force_login(django_user_model.objects.create_user("clock", password="pw", is_staff=True))
    pages = (lambda: Client().get(f"/socap/c/{campaign.share_token}/"),
             lambda: staff.get(f"/socap/campaigns/{campaign.pk}/"), lambda: staff.get("/socap/create"))
    for page in pages:
        assert "Demo clock" not in page().content.decode()
    settings.SOCAP_DEMO_CLOCK_FACTOR = 30
    for page in pages:
        html = page().content.decode()
        assert "Demo clock ×30" in html and "one real minute is\n    30 simulated minutes" in html
    settings.X_API_USES_SIMULATOR = False  # a real X API: the factor means nothing
    assert "Demo clock" not in pages[0]().content.decode()


def test_last_polled_is_the_last_reading_on_the_pages_clock(mongo_db, redis_conn):
    """In the accelerated demo a reading is stamped with simulated time while job states keep the real
    clock: the tweet table shows the reading's time, like every chart beside it."""
    from dashboard.selectors import tweet_rows

    campaign = make_campaign(tweets={"main_twt": 1})
    tweet = campaign.tweets.get()
    simulated = dt.datetime(2026, 12, 2, 19, 27, tzinfo=dt.UTC)
    tweet.metrics = {**(tweet.metrics or {}), "last_updated": simulated.isoformat()}
    tweet.save()
    mongo.collection(mongo.WORKER_STATE).insert_one({"campaign_id": campaign.mongo_id, "tweet_id": tweet.tweet_id,
                                                     "job_type": "metrics", "last_success": timezone.now()})
    assert tweet_rows(campaign, include_state=True)[0]["last_polled"] == simulated


def test_removing_a_tweet_takes_it_out_of_the_counts(mongo_db, redis_conn):
    campaign = make_campaign(tweets={"main_twt": 1, "investor_twt": 1})
    main, investor = (campaign.tweets.get(category=category) for category in ("main_twt", "investor_twt"))
    store_engagements([engagement_doc(campaign, main, "1"), engagement_doc(campaign, investor, "2"),
                       engagement_doc(campaign, investor, "3", "reply")])
    writes = mongo.Writes()
    add_latest_deltas(writes, campaign.mongo_id, {main.tweet_id: {"likes": 2}, investor.tweet_id: {"likes": 5}})
    writes.send()

    update_campaign(campaign, CampaignChanges(remove_tweet_ids=[investor.tweet_id]))

    stats = selectors.campaign_stats(campaign)
    assert (stats["engagements"], stats["accounts"]) == (1, 1)
    assert stats["by_action"] == {"retweet": 1}
    assert stats["latest_deltas"] == {main.tweet_id: {"likes": 2}}  # "change since last poll" drops it too
