import pytest
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient


@pytest.fixture
def api(django_user_model, simulator, mongo_db, redis_conn):
    """An API client holding a staff user's token (the API is staff only)."""
    client = APIClient()
    user = django_user_model.objects.create_user("integrator", is_staff=True)
    client.credentials(HTTP_AUTHORIZATION=f"Token {Token.objects.create(user=user).key}")
    return client
