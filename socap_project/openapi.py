"""The JSON API's OpenAPI 3.0 description, served at /socap/openapi.json.

Written by hand next to the views it describes: the request shapes are the
serializers' (campaigns/serializers.py), every documented error is the
`{"errors": {...}}` body of socap_project/api.py. The bad-input harness
(tests/reliability/test_bad_input.py) generates requests from this document and
fails on any undocumented status, so the two cannot drift apart silently.
"""

from __future__ import annotations

from typing import Any

from campaigns import vocabulary
from campaigns.models import Campaign

JSON = "application/json"
CATEGORIES = list(vocabulary.ACCOUNT_CATEGORIES)
ACTIONS = list(vocabulary.ACTIONS)
TWEET_CATEGORIES = list(vocabulary.TWEET_CATEGORIES)


def ref(name: str) -> dict:
    return {"$ref": f"#/components/schemas/{name}"}


def body(schema: dict, description: str) -> dict:
    return {"description": description, "content": {JSON: {"schema": schema}}}


def errors(*codes: int) -> dict:
    text = {400: "Invalid input; `errors` maps each field path to its messages.",
            401: "No credentials.", 403: "Credentials without the needed rights.",
            404: "No such campaign (or account).", 405: "Method not allowed.",
            413: "Body (Content-Length) larger than SOCAP_MAX_API_BODY_BYTES (default 262144); "
                 "`errors.body` gives the size and the limit; nothing was read or changed.",
            503: "A dependency (the X data API, a store) is unavailable; nothing was changed."}
    return {str(code): body(ref("Errors"), text[code]) for code in codes}


def operation(summary: str, ok: dict, *error_codes: int, params: list | None = None,
              request: dict | None = None, public: bool = False) -> dict:
    op: dict[str, Any] = {"summary": summary, "responses": {**ok, **errors(*error_codes)}}
    if not public:
        op["responses"].update(errors(401, 403))
    else:
        op["security"] = []
    if params:
        op["parameters"] = params
    if request:
        op["requestBody"] = {"required": True, "content": {JSON: {"schema": request}}}
    return op


def query(name: str, schema: dict, description: str = "") -> dict:
    return {"name": name, "in": "query", "required": False, "schema": schema, "description": description}


def path_param(name: str, schema: dict) -> dict:
    return {"name": name, "in": "path", "required": True, "schema": schema}


CAMPAIGN_ID = path_param("campaign_id", {"type": "integer", "minimum": 1})
ANY_OBJECT = {"type": "object", "additionalProperties": True}
TWEET_LIST = {"type": "array", "maxItems": 500,
              "items": {"type": "object", "required": ["url"], "additionalProperties": False,
                        "properties": {"url": {"type": "string", "maxLength": 500}}}}
THRESHOLDS = {"type": "object", "additionalProperties": {"type": "number"}}

ALERT_PREFERENCES = {
    "type": "object", "additionalProperties": False,
    "properties": {
        "importance_threshold": {"type": "number"},
        "category_thresholds": THRESHOLDS,
        "action_thresholds": THRESHOLDS,
        "channels": {"type": "array", "items": {"type": "string", "enum": list(vocabulary.CHANNELS)}},
        "slack_webhook_url": {"type": "string", "maxLength": 500},
        "extra_recipients": {"type": "array", "items": {"type": "string", "maxLength": 254}},
        "frequency_window_minutes": {"type": "integer"},
        "alert_spacing_minutes": {"type": "integer"},
        "spike_factor": {"type": "number"},
        "spike_min_engagements": {"type": "integer"},
        "negative_sentiment_threshold": {"type": "number"},
    },
}
MONITOR_WINDOW = {
    "type": "object", "required": ["start_date", "end_date"], "additionalProperties": False,
    "properties": {"start_date": {"type": "string", "format": "date-time"},
                   "end_date": {"type": "string", "format": "date-time"}},
}

SCHEMAS = {
    "Errors": {"type": "object", "required": ["errors"], "properties": {
        "errors": {"type": "object", "additionalProperties": {"type": "array", "items": {"type": "string"}}}}},
    "CampaignCreate": {
        "type": "object", "required": ["launch_name", "client_info", "monitor_window"], "additionalProperties": False,
        "properties": {
            "launch_name": {"type": "string", "maxLength": 200},
            "client_info": {"type": "object", "required": ["name", "email"], "additionalProperties": False,
                            "properties": {"name": {"type": "string", "maxLength": 200},
                                           "email": {"type": "string", "maxLength": 254}}},
            "monitor_window": MONITOR_WINDOW,
            "alert_preferences": ALERT_PREFERENCES,
            "cpm_usd": {"type": "number", "nullable": True},
            "credit_budget": {"type": "integer", "nullable": True},
            "maintweets": TWEET_LIST, "influencer_twts": TWEET_LIST, "investor_twts": TWEET_LIST,
        },
    },
    "CampaignPatch": {
        "type": "object", "additionalProperties": False,
        "properties": {
            "status": {"type": "string", "enum": ["active", "paused"]},
            "launch_name": {"type": "string", "maxLength": 200},
            "alert_preferences": ALERT_PREFERENCES,
            "monitor_window": ANY_OBJECT,
            "cpm_usd": {"type": "number"},
            "credit_budget": {"type": "integer", "nullable": True},
            "add_tweets": {"type": "object", "additionalProperties": False, "properties": {
                "maintweets": TWEET_LIST, "influencer_twts": TWEET_LIST, "investor_twts": TWEET_LIST}},
            "remove_tweet_ids": {"type": "array", "items": {"type": "string", "maxLength": 32}},
        },
    },
    "Campaign": {"type": "object", "required": ["id", "launch_name", "status", "warnings"], "properties": {
        "id": {"type": "integer"}, "launch_name": {"type": "string"}, "status": {"type": "string"},
        "share_url": {"type": "string", "description": "The client link, on SOCAP_SITE_URL"},
        # e.g. Slack asked for without a webhook: the campaign is stored, Slack alerts wait for one.
        "warnings": {"type": "array", "items": {"type": "object", "required": ["field", "code", "message"],
                                                "properties": {"field": {"type": "string"},
                                                               "code": {"type": "string"},
                                                               "message": {"type": "string"}}}}}},
    "CampaignPage": {"type": "object", "required": ["count", "page", "page_size", "results"], "properties": {
        "count": {"type": "integer"}, "page": {"type": "integer"}, "page_size": {"type": "integer"},
        "results": {"type": "array", "items": ref("Campaign")}}},
    "Object": ANY_OBJECT,
}

GRANULARITY = query("granularity", {"type": "string", "enum": ["hour", "day"]}, "Bucket size (default hour).")


def ok(code: int, schema_name: str, description: str) -> dict:
    return {str(code): body(ref(schema_name), description)}


def build() -> dict:
    campaign_paths = {
        "/socap/campaigns": {
            "get": operation("List campaigns, newest first", ok(200, "CampaignPage", "One page of campaigns"), 400,
                             params=[query("status", {"type": "string", "enum": Campaign.Status.values}),
                                     query("page", {"type": "integer", "minimum": 1, "maximum": 100_000}),
                                     query("page_size", {"type": "integer", "minimum": 1, "maximum": 100})]),
            "post": operation("Create a campaign (tweets resolved through the X data API)",
                              ok(201, "Campaign", "The campaign, active"), 400, 413, 503,
                              request=ref("CampaignCreate")),
        },
        "/socap/campaigns/{campaign_id}": {
            "parameters": [CAMPAIGN_ID],
            "get": operation("One campaign with its tweets", ok(200, "Campaign", "The campaign"), 404),
            "patch": operation("Change a campaign (all or nothing)", ok(200, "Campaign", "The changed campaign"),
                               400, 404, 413, 503, request=ref("CampaignPatch")),
            "delete": operation("Delete a campaign and its MongoDB documents",
                                ok(200, "Object", "What was removed"), 404),
        },
        "/socap/campaigns/{campaign_id}/report": {
            "parameters": [CAMPAIGN_ID],
            "get": operation("The final report (frozen at completion) or the live one",
                             ok(200, "Object", "Report"), 404),
        },
    }
    dashboard_paths = {
        "/socap/campaigns/{campaign_id}/dashboard": {"parameters": [CAMPAIGN_ID], "get": operation(
            "Summary, categories, latest engagers and per-tweet state", ok(200, "Object", "Dashboard"), 404)},
        "/socap/campaigns/{campaign_id}/metrics": {"parameters": [CAMPAIGN_ID], "get": operation(
            "Metric series", ok(200, "Object", "Series"), 400, 404, params=[GRANULARITY])},
        "/socap/campaigns/{campaign_id}/profile-timeseries": {"parameters": [CAMPAIGN_ID], "get": operation(
            "Engagers per category over time", ok(200, "Object", "Series"), 400, 404, params=[GRANULARITY])},
        "/socap/campaigns/{campaign_id}/engagements": {"parameters": [CAMPAIGN_ID], "get": operation(
            "Engagements, keyset-paginated", ok(200, "Object", "A page and next_cursor"), 400, 404, params=[
                query("sort", {"type": "string", "enum": ["timestamp", "time", "importance_score", "importance"]}),
                query("limit", {"type": "integer", "minimum": 1, "maximum": 200}),
                query("cursor", {"type": "string"}),
                query("category", {"type": "string", "enum": CATEGORIES}),
                query("action_type", {"type": "string", "enum": ACTIONS}),
                query("tweet_category", {"type": "string", "enum": TWEET_CATEGORIES}),
                query("sentiment", {"type": "string", "enum": ["positive", "neutral", "negative"]},
                      "VADER label of replies and quotes")])},
        "/socap/campaigns/{campaign_id}/reach": {"parameters": [CAMPAIGN_ID], "get": operation(
            "Potential reach and impressions: totals, per tweet category and tweet, over time",
            ok(200, "Object", "Reach"), 400, 404, params=[GRANULARITY])},
        "/socap/campaigns/{campaign_id}/sentiment": {"parameters": [CAMPAIGN_ID], "get": operation(
            "Sentiment mix of replies and quotes over time", ok(200, "Object", "Series"), 400, 404,
            params=[GRANULARITY])},
        "/socap/campaigns/{campaign_id}/rankings": {"parameters": [CAMPAIGN_ID], "get": operation(
            "Top-25 rankings, one entry per account", ok(200, "Object", "Rankings"), 400, 404, params=[
                query("ranking", {"type": "string", "enum": ["important", "reach", "engaged", "first_movers",
                                                             "texts"]}, "One table (default: all)"),
                query("limit", {"type": "integer", "minimum": 1, "maximum": 25})])},
        "/socap/campaigns/{campaign_id}/accounts/{user_id}/timeline": {
            "parameters": [CAMPAIGN_ID, path_param("user_id", {"type": "string", "pattern": "^[0-9]{1,20}$"})],
            "get": operation("Every engagement of one account", ok(200, "Object", "Timeline"), 404)},
    }
    worker_paths = {
        "/socap/workers/trigger": {"post": operation(
            "Fan out now (external schedulers); once per poll interval",
            ok(202, "Object", "Fan-out result"), 403, 503, public=True,
            params=[{"name": "X-SOCAP-Trigger-Secret", "in": "header", "required": True,
                     "schema": {"type": "string"}}])},
        "/socap/workers/run": {"post": operation(
            "Poll one campaign (or one tweet of it) now", ok(202, "Object", "Jobs enqueued"), 400, 404,
            request={"type": "object", "required": ["campaign_id"], "properties": {
                "campaign_id": {"type": "integer"}, "tweet_id": {"type": "string"}}})},
        "/socap/workers/status": {"get": operation(
            "Worker state per tweet and job", ok(200, "Object", "States"), 400,
            params=[query("campaign_id", {"type": "integer", "minimum": 1})])},
        "/socap/workers/queue": {"get": operation("Queue lengths", ok(200, "Object", "Queues"))},
        "/socap/health": {"get": operation(
            "Health of every component", {**ok(200, "Object", "All healthy"),
                                          **{"503": body(ref("Object"), "Some component failing")}}, public=True)},
    }
    return {
        "openapi": "3.0.3",
        "info": {"title": "SOCAP API", "version": "1.0",
                 "description": "Campaign monitoring for launches on X. Authenticate with "
                                "`Authorization: Token <key>` (tokens are made in the admin)."},
        "servers": [{"url": "/"}],
        "security": [{"token": []}, {"session": []}],
        "paths": {**campaign_paths, **dashboard_paths, **worker_paths},
        "components": {
            "schemas": SCHEMAS,
            "securitySchemes": {
                "token": {"type": "apiKey", "in": "header", "name": "Authorization",
                          "description": "`Token <key>`"},
                "session": {"type": "apiKey", "in": "cookie", "name": "sessionid"},
            },
        },
    }
