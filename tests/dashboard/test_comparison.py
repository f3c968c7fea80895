"""A launch beside the client's earlier launches (dashboard/comparison_selectors.py), on the staff pages and report."""

import datetime as dt
import io
import os
import shutil
from pathlib import Path

import pytest
from django.test import Client
from django.utils import timezone
from pypdf import PdfReader

from campaigns.admin_forms import CampaignChangeForm
from campaigns.models import Campaign
from campaigns.selectors import earlier_launches
from dashboard import comparison_selectors
from socap_project import mongo
from tests.factories import engagement_doc, make_campaign, store_engagements

pytestmark = pytest.mark.django_db(transaction=True)
HOURS = 30  # the current launch started this many hours ago


def simulate_launch(campaign, per_hour, *, important_every=4, followers=100):
    """Engagements at hours 0..len(per_hour)-1 after the launch, through the ingestion hand-off's write path.

    Every account engages once; every `important_every`-th is important (score 20 ≥ threshold 10).
    Returns the expected cumulative curves.
    """
    start = campaign.start_date
    tweet = campaign.tweets.first()
    docs, expected = [], {name: [] for name in comparison_selectors.SERIES}
    totals = dict.fromkeys(comparison_selectors.SERIES, 0)
    for hour, count in enumerate(per_hour):
        for n in range(count):
            user = f"{campaign.pk}-{hour}-{n}"
            important = (len(docs) % important_every) == 0
            docs.append(engagement_doc(campaign, tweet, user, timestamp=start + dt.timedelta(hours=hour, minutes=n),
                                       importance=20 if important else 1, followers=followers, username=f"a{user}"))
            totals["engagements"] += 1
            totals["unique_accounts"] += 1
            totals["important_accounts"] += important
            totals["reach"] += followers
        for name in comparison_selectors.SERIES:
            expected[name].append(totals[name])
    for start_index in range(0, len(docs), 40):  # several hand-offs, as pages arrive
        store_engagements(docs[start_index:start_index + 40])
    return expected


@pytest.fixture
def launches(mongo_db, redis_conn):
    now = timezone.now().replace(minute=30, second=0, microsecond=0)
    earlier = make_campaign(launch_name="Spring launch", client_name="Orbit",
                            start_date=now - dt.timedelta(days=40), end_date=now - dt.timedelta(days=37))
    other_client = make_campaign(launch_name="Someone else's launch", client_name="Other Co",
                                 start_date=now - dt.timedelta(days=20), end_date=now - dt.timedelta(days=17))
    current = make_campaign(launch_name="Autumn launch", client_name="Orbit",
                            start_date=now - dt.timedelta(hours=HOURS), end_date=now + dt.timedelta(hours=72 - HOURS))
    before = simulate_launch(earlier, [30, 20, 12, 8, 5, 4, 3, 2] + [1] * 65, followers=50)
    simulate_launch(other_client, [100] * 5)
    now_curve = simulate_launch(current, [12, 10, 9, 8, 7, 6, 5, 4, 3, 3] + [2] * (HOURS - 9), followers=80)
    return {"earlier": earlier, "current": current, "other": other_client, "before": before, "now": now_curve,
            "at": now}


def test_curves_by_hours_since_launch_match_what_was_stored(launches):
    current, earlier = launches["current"], launches["earlier"]
    assert earlier_launches(current) == [earlier]  # same client, started before; not the other client's
    result = comparison_selectors.comparison(current, now=launches["at"])
    assert result["at"] == HOURS and result["hours"] == list(range(73))
    assert result["current"]["series"] == {name: values[: HOURS + 1] for name, values in launches["now"].items()}
    [spring] = result["earlier"]
    assert spring["launch_name"] == "Spring launch"
    assert spring["series"] == {name: values[:73] for name, values in launches["before"].items()}
    assert result["previous_at_hour"]["values"] == {name: values[HOURS] for name, values in launches["before"].items()}
    assert result["previous_at_hour"]["values"]["engagements"] == 84 + HOURS - 7


def test_staff_choose_the_launches_compared_and_at_most_five(launches, django_user_model):
    current, other = launches["current"], launches["other"]
    current.compare_with.set([other])
    assert earlier_launches(current) == [other]
    many = [make_campaign(launch_name=f"L{i}", client_name="Orbit") for i in range(6)]
    form = CampaignChangeForm(instance=current)
    assert current not in form.fields["compare_with"].queryset
    form.cleaned_data = {"compare_with": many}
    with pytest.raises(Exception, match="at most 5"):
        form.clean_compare_with()
    staff = Client()
    staff.force_login(django_user_model.objects.create_superuser("admin", "a@example.com", "pw"))
    page = staff.get(f"/admin/campaigns/campaign/{current.pk}/change/").content.decode()
    assert "Comparison with earlier launches" in page and 'name="show_comparison_to_client"' in page


def test_only_staff_see_it_unless_they_show_it_to_the_client(launches, django_user_model):
    current = launches["current"]
    staff = Client()
    staff.force_login(django_user_model.objects.create_user("staff", password="pw", is_staff=True))
    client = Client()
    pages = {"staff dashboard": (staff, f"/socap/campaigns/{current.pk}/"),
             "staff report": (staff, f"/socap/campaigns/{current.pk}/report/"),
             "client dashboard": (client, f"/socap/c/{current.share_token}/"),
             "client report": (client, f"/socap/c/{current.share_token}/report")}

    def shown():
        result = {}
        for name, (who, url) in pages.items():
            html = who.get(url).content.decode()
            result[name] = "Compared with earlier launches" in html and "Spring launch" in html
        return result

    assert shown() == {"staff dashboard": True, "staff report": True, "client dashboard": False,
                       "client report": False}
    staff_html = staff.get(f"/socap/campaigns/{current.pk}/").content.decode()
    assert "at this hour (h " in staff_html and "Spring launch had" in staff_html
    Campaign.objects.filter(pk=current.pk).update(show_comparison_to_client=True)
    current.refresh_from_db()
    mongo.collection(mongo.CAMPAIGN_STATS).update_one({"_id": current.mongo_id}, {"$inc": {"version": 1}})
    assert shown() == dict.fromkeys(pages, True)
    assert "Someone else" not in client.get(f"/socap/c/{current.share_token}/").content.decode()


def test_the_pdf_carries_the_comparison_for_staff_and_for_the_client_only_when_shown(launches, settings, tmp_path,
                                                                                     django_user_model, eager_tasks):
    if shutil.which("chromium") is None:
        pytest.skip("Debian chromium is not installed")
    settings.SOCAP_ARCHIVE_DIR = tmp_path / "archives"
    current = launches["current"]
    staff = Client()
    staff.force_login(django_user_model.objects.create_user("staff", password="pw", is_staff=True))

    def pdf_text(who, url):
        response = who.get(url)
        assert response.status_code == 200
        reader = PdfReader(io.BytesIO(b"".join(response.streaming_content)))
        return "".join(page.extract_text() for page in reader.pages), reader

    text, reader = pdf_text(staff, f"/socap/campaigns/{current.pk}/report.pdf")
    assert "Compared with earlier launches" in text and "Spring launch" in text
    client_text, client_reader = pdf_text(Client(), f"/socap/c/{current.share_token}/report.pdf")
    assert "Compared with earlier launches" not in client_text and "Spring launch" not in client_text
    # Two copies kept apart: the client's is not the staff copy served from the cache.
    assert "Compared with earlier launches" in pdf_text(staff, f"/socap/campaigns/{current.pk}/report.pdf")[0]
    # The charts are drawn (canvases print as images): the staff copy has the comparison's four more.
    assert images(reader) == images(client_reader) + 4 and images(client_reader) >= 3


def images(reader) -> int:
    return sum(len([name for name, ref in ((page.get("/Resources") or {}).get("/XObject") or {}).items()
                    if ref.get_object().get("/Subtype") == "/Image"]) for page in reader.pages)


DRAWN = ("[...document.querySelectorAll('canvas')].filter((c) => c.id.startsWith('chart-compar') && c.height > 0)"
         ".length > 0")
# Page width, and the comparison chart drawn inside its card (Chart.js sizes the canvas to the card).
LAYOUT = """(() => {
  const canvases = [...document.querySelectorAll("canvas")].filter((c) => c.id.startsWith("chart-compar")).map((c) => {
    const card = c.closest(".card").getBoundingClientRect(), box = c.getBoundingClientRect();
    return {id: c.id, width: box.width, height: box.height,
            outside: box.right > card.right + 1 || box.left < card.left - 1};
  });
  const notes = [...document.querySelectorAll(".kpi .prev, .kpi-then")].map((n) => {
    const kpi = n.closest(".kpi").getBoundingClientRect(), box = n.getBoundingClientRect();
    return box.right <= kpi.right + 1;
  });
  return {page: document.documentElement.scrollWidth - window.innerWidth, width: window.innerWidth, canvases, notes};
})()"""


@pytest.mark.browser
@pytest.mark.skipif(shutil.which("chromium") is None, reason="Debian chromium is not installed")
def test_staff_dashboard_and_report_at_laptop_and_phone_width(launches, live_server, django_user_model, tmp_log_dir):
    from django.conf import settings as django_settings

    from tests.support.browser import Page

    current = launches["current"]
    staff = Client()
    staff.force_login(django_user_model.objects.create_user("viewer", password="pw", is_staff=True))
    shots = Path(os.environ.get("SOCAP_SCREENSHOT_DIR") or tmp_log_dir / "screenshots")  # kept when set
    shots.mkdir(parents=True, exist_ok=True)
    pages = {"dashboard": f"{live_server.url}/socap/campaigns/{current.pk}/",
             "report": f"{live_server.url}/socap/campaigns/{current.pk}/report/"}
    for width in (1366, 390):
        with Page("about:blank", width, 900) as browser:
            browser.set_cookie(django_settings.SESSION_COOKIE_NAME,
                               staff.cookies[django_settings.SESSION_COOKIE_NAME].value, live_server.url)
            for name, url in pages.items():
                browser.navigate(url)
                browser.wait_until(DRAWN)
                result = browser.evaluate(LAYOUT)
                browser.screenshot(shots / f"comparison-{name}-{width}.png")
                for part in (".kpis", "#comparison, .comparison"):  # close-ups of what this page adds
                    clip(browser, part, shots / f"comparison-{name}-{width}-{part[1:4]}.png")
                assert result["width"] == width and result["page"] <= 0, (name, width, result)
                assert result["canvases"] and all(c["height"] > 100 and not c["outside"] for c in result["canvases"])
                assert result["notes"] and all(result["notes"]), (name, width, result)


def clip(browser, selector: str, path) -> None:
    import base64

    import time

    browser.evaluate(f"document.querySelector({selector!r}).scrollIntoView()")
    time.sleep(0.6)  # past the charts' 250 ms animation
    box = browser.evaluate(f"(() => {{ const r = document.querySelector({selector!r}).getBoundingClientRect(); "
                           "return {x: r.left + scrollX, y: r.top + scrollY, width: r.width, "
                           "height: Math.min(r.height, innerHeight)}; })()")
    data = browser.call("Page.captureScreenshot", {"format": "png", "clip": {**box, "scale": 1}})["data"]
    Path(path).write_bytes(base64.b64decode(data))
