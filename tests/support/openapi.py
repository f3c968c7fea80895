"""The OpenAPI document as /socap/openapi.json serves it, read without a database (at collection time)."""

from __future__ import annotations

import json

from django.contrib.auth.models import User
from django.urls import resolve
from rest_framework.test import APIRequestFactory, force_authenticate

URL = "/socap/openapi.json"


def served_document() -> dict:
    request = APIRequestFactory().get(URL)
    # Staff may read it (as they may call the API); an unsaved user needs no database.
    force_authenticate(request, user=User(username="openapi-reader", is_staff=True))
    response = resolve(URL).func(request)
    assert response.status_code == 200, response.status_code
    return json.loads(response.render().content)
