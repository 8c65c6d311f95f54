"""Staff members in each role, logged in to the admin or holding an API token."""

import pytest
from django.contrib.auth.models import Permission
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from tests.factories import UserFactory


@pytest.fixture
def sales_user(db):
    return UserFactory(username="sam-sales", first_name="Sam", roles=["Sales"])


@pytest.fixture
def reviewer_user(db):
    return UserFactory(username="rita-reviewer", first_name="Rita", roles=["Reviewer"])


@pytest.fixture
def sales_client(client, sales_user):
    client.force_login(sales_user)
    return client


@pytest.fixture
def reviewer_client(client, reviewer_user):
    client.force_login(reviewer_user)
    return client


def token_client(user) -> APIClient:
    api = APIClient()
    api.credentials(HTTP_AUTHORIZATION=f"Token {Token.objects.create(user=user).key}")
    return api


@pytest.fixture
def sales_api(sales_user):
    return token_client(sales_user)


@pytest.fixture
def reviewer_api(reviewer_user):
    return token_client(reviewer_user)


def reviewer_without_override(username: str = "rex-no-override"):
    """A staff member with the Reviewer role's permissions except overriding."""
    user = UserFactory(username=username)
    user.user_permissions.add(
        *Permission.objects.filter(group__name="Reviewer").exclude(
            codename="override_recommendation"
        )
    )
    return user


@pytest.fixture
def no_override_user(db):
    return reviewer_without_override()
