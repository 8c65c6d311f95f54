"""Issue 15: the API docs show this product's own examples, not DRF's placeholders
(``api.example.org/accounts/?page=4``): the schema's paginated lists name our paths, and
the submission example is a valid submission of the current questionnaire."""

from __future__ import annotations

import json

import pytest

from qualification.apis import SUBMISSION_EXAMPLE

pytestmark = pytest.mark.django_db


def test_no_placeholder_of_another_product_in_the_schema(client):
    schema = client.get("/api/schema/", HTTP_ACCEPT="application/json").content.decode()
    assert "api.example.org" not in schema and "/accounts/" not in schema
    assert "https://leads.example.com/api/v1/leads/?page=3&page_size=50" in schema
    assert "Boulangerie Tremblay" in schema


def test_the_submission_example_is_a_valid_submission(client, no_send):
    answer = client.post(
        "/api/v1/submissions/",
        data=json.dumps(SUBMISSION_EXAMPLE.value),
        content_type="application/json",
    )
    assert answer.status_code == 202, answer.content
