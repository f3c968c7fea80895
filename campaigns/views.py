"""Staff create page: /socap/create (server-rendered, HTMX field validation and URL rows)."""

from __future__ import annotations

from django.contrib.admin.views.decorators import staff_member_required
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone

from campaigns import services
from campaigns.forms import CampaignForm
from campaigns.inputs import CampaignInputError, TweetResolutionUnavailable
from campaigns.tweet_urls import InvalidTweetUrl, parse_tweet_url
from socap_project.vocabulary import MAIN_TWEET, TWEET_CATEGORY_LABELS

TEMPLATE = "campaigns/create.html"


def _initial() -> dict:
    start = timezone.now().replace(second=0, microsecond=0)
    return {"start_date": start, "end_date": start + timezone.timedelta(days=3), "channels": ["email"]}


def _context(form: CampaignForm, tweet_errors=None) -> dict:
    urls = form.tweet_urls() if form.is_bound else {c: [] for c in TWEET_CATEGORY_LABELS}
    tweet_errors = tweet_errors or {c: {} for c in TWEET_CATEGORY_LABELS}
    categories = [
        {
            "key": category,
            "label": label,
            "rows": [
                {"url": url, "errors": tweet_errors[category].get(index, [])}
                for index, url in enumerate(urls[category] or [""])
            ],
        }
        for category, label in TWEET_CATEGORY_LABELS.items()
    ]
    return {"form": form, "categories": categories}


def _validate_one(request, form: CampaignForm, name: str) -> HttpResponse:
    """HTMX: re-render one field (or one URL row) with its own errors only."""
    if name.startswith("tweets_"):
        url = request.POST.get("value", "").strip()
        errors = []
        if url:
            try:
                parse_tweet_url(url)
            except InvalidTweetUrl as exc:
                errors = [str(exc)]
        row = {"url": url, "errors": errors}
        return render(request, f"{TEMPLATE}#tweet_row", {"row": row, "category": {"key": name[7:]}})
    form.is_valid()
    return render(request, f"{TEMPLATE}#form_field", {"field": form[name]})


@staff_member_required
def create_campaign_page(request):
    if request.method != "POST":
        return render(request, TEMPLATE, _context(CampaignForm(initial=_initial())))
    form = CampaignForm(request.POST)
    validate = request.POST.get("_validate")
    if request.htmx and validate and (validate in form.fields or validate.startswith("tweets_")):
        return _validate_one(request, form, validate)
    if not form.is_valid():
        return render(request, TEMPLATE, _context(form), status=400)
    try:
        campaign = services.create_campaign(form.to_input())
    except CampaignInputError as exc:
        form.apply_service_errors(exc.errors)
        return render(request, TEMPLATE, _context(form, form.tweet_errors(exc.errors)), status=400)
    except TweetResolutionUnavailable as exc:
        form.add_error(None, f"The X data API is unavailable right now ({exc.reason}). Nothing was stored; try again.")
        return render(request, TEMPLATE, _context(form), status=503)
    return redirect("dashboard:staff", campaign_id=campaign.pk)


@staff_member_required
def tweet_row(request):
    """HTMX: one more empty URL row for a category."""
    category = request.GET.get("category", MAIN_TWEET)
    if category not in TWEET_CATEGORY_LABELS:
        return HttpResponse("Unknown category", status=400)
    return render(request, f"{TEMPLATE}#tweet_row", {"row": {"url": "", "errors": []}, "category": {"key": category}})
