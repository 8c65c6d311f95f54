"""The API keeps the promises of its own OpenAPI schema, for any input schemathesis makes up.

The schema is the one the project serves (``/api/schema/``, from drf-spectacular); the
requests go to the WSGI application in-process. Public operations are called without
credentials, staff operations with a Sales user's token. For each made-up request:
no server error, a documented status code and content type, and a body that matches
the schema. Bounded and derandomized, so CI runs the same examples every time.
"""

from __future__ import annotations

import pytest
import schemathesis
from django.core.signals import request_finished, request_started
from django.db import close_old_connections
from hypothesis import HealthCheck, settings
from rest_framework.authtoken.models import Token
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from config.wsgi import application
from tests.factories import ActivityFactory, LeadFactory, UserFactory

pytestmark = pytest.mark.django_db

CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
]
BOUNDED = settings(
    max_examples=25,
    deadline=None,
    derandomize=True,
    database=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)

schema = schemathesis.openapi.from_wsgi("/api/schema/?format=json", application)
public_schema = schema.include(tag="public")
staff_schema = schema.exclude(tag="public")


@pytest.fixture(autouse=True)
def keep_the_test_database_connection():
    """As Django's test client does: the end of a request must not close the connection
    that holds the test's transaction."""
    for signal in (request_started, request_finished):
        signal.disconnect(close_old_connections)
    yield
    for signal in (request_started, request_finished):
        signal.connect(close_old_connections)


@pytest.fixture
def sales_token() -> str:
    user = UserFactory(username="sam-schemathesis", roles=["Sales"])
    return Token.objects.create(user=user).key


@pytest.fixture
def lead():
    lead = LeadFactory()
    ActivityFactory(lead=lead)
    return lead


@pytest.fixture
def webhook(settings, receiver):
    """An endpoint with one delivery in its log, for the webhook operations' ids."""
    from crm import services
    from crm.models import WebhookDelivery, WebhookMessage
    from tests.factories import ContactFactory

    settings.CRM_WEBHOOK_ALLOW_PRIVATE_NETWORKS = True
    endpoint = services.webhook_endpoint_create(url=receiver.url, events=["lead.created"], by=None)
    services.lead_open_or_attach(contact=ContactFactory(), language="fr")
    services.webhook_message_deliver(message_id=WebhookMessage.objects.get().pk)
    return endpoint, WebhookDelivery.objects.get()


@pytest.fixture
def import_job():
    """A finished import, for the import operation's id."""
    from qualification import services
    from tests.qualification.import_files import csv_bytes, person

    job = services.import_job_create(
        content=csv_bytes([person(1), person(2, Courriel="bad")]), file_name="liste.csv"
    )
    return services.import_job_run(job_id=job.pk)


@public_schema.parametrize()
@BOUNDED
def test_public_operations_conform_to_the_schema(case):
    case.call_and_validate(checks=CHECKS)


@staff_schema.parametrize()
@BOUNDED
def test_staff_operations_conform_to_the_schema(case, sales_token, lead, webhook, import_job):
    # Made-up ids would only ever meet 404: aim them at a lead (or webhook, import) that exists.
    if case.path_parameters and "id" in case.path_parameters:
        on_webhook = case.path.startswith("/api/v1/webhooks/")
        on_import = case.path.startswith("/api/v1/imports/")
        case.path_parameters["id"] = (
            webhook[0].pk if on_webhook else import_job.pk if on_import else lead.pk
        )
    if case.path_parameters and "delivery_id" in case.path_parameters:
        case.path_parameters["delivery_id"] = webhook[1].pk
    case.call_and_validate(headers={"Authorization": f"Token {sales_token}"}, checks=CHECKS)


def test_the_schema_has_public_and_staff_operations():
    """The two runs above cover something: schemathesis found operations on both sides."""
    paths = set(schema.raw_schema["paths"])
    assert {"/api/v1/submissions/", "/api/v1/questionnaire/"} <= paths
    assert {
        "/api/v1/leads/",
        "/api/v1/leads/{id}/",
        "/api/v1/leads/{id}/activities/",
        "/api/v1/auth/token/rotate/",
        "/api/v1/webhooks/",
        "/api/v1/webhooks/{id}/",
        "/api/v1/webhooks/{id}/rotate-secret/",
        "/api/v1/webhooks/{id}/deliveries/",
        "/api/v1/webhooks/{id}/deliveries/{delivery_id}/replay/",
        "/api/v1/imports/",
        "/api/v1/imports/{id}/",
        "/api/v1/privacy-requests/",
        "/api/v1/privacy-requests/{id}/fulfil/",
        "/api/v1/privacy-requests/{id}/export/",
    } <= paths


def test_the_schema_documents_the_errors_the_framework_answers_by_itself():
    paths = schema.raw_schema["paths"]
    staff_patch = paths["/api/v1/leads/{id}/"]["patch"]["responses"]
    assert {"200", "400", "401", "403", "404", "415"} <= set(staff_patch)
    assert {"401", "403", "404"} <= set(paths["/api/v1/leads/"]["get"]["responses"])
    rotate = paths["/api/v1/auth/token/rotate/"]["post"]["responses"]
    assert {"201", "401", "403"} <= set(rotate)
    public_post = paths["/api/v1/submissions/"]["post"]["responses"]
    assert {"400", "415"} <= set(public_post)
    assert not {"401", "403"} & set(public_post)  # no credentials, so never refused for them
    assert "404" in paths["/api/v1/submissions/{public_id}/"]["get"]["responses"]
    imports = paths["/api/v1/imports/"]["post"]["responses"]
    assert {"202", "400", "401", "403", "413", "415"} <= set(imports)
