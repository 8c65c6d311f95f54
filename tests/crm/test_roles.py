"""The Sales and Reviewer groups made by the data migrations, and what they allow."""

import pytest
from django.contrib.auth.models import Group

from qualification.models import Ruleset
from tests.factories import UserFactory


def codenames(group_name: str) -> set[str]:
    group = Group.objects.get(name=group_name)
    return {
        f"{p.content_type.app_label}.{p.codename}"
        for p in group.permissions.select_related("content_type")
    }


@pytest.mark.django_db
def test_sales_may_do_everything_on_the_pipeline_and_write_rulesets():
    perms = codenames("Sales")
    for model in ("lead", "contact", "company", "activity", "consent"):
        for action in ("add", "change", "delete", "view"):
            assert f"crm.{action}_{model}" in perms
    assert "crm.override_recommendation" in perms
    assert {"qualification.add_ruleset", "qualification.change_ruleset"} <= perms
    assert {"qualification.view_submission", "qualification.view_classification"} <= perms


@pytest.mark.django_db
def test_reviewer_reviews_but_neither_deletes_leads_nor_changes_rulesets():
    perms = codenames("Reviewer")
    assert {
        "crm.view_lead",
        "crm.change_lead",
        "crm.override_recommendation",
        "crm.add_activity",
        "crm.view_leadevent",
    } <= perms
    assert "crm.delete_lead" not in perms
    assert not {p for p in perms if p.startswith("qualification.") and "ruleset" in p}
    # Besides leads, a Reviewer handles only the privacy requests' queue (issue 12).
    assert {p for p in perms if p.startswith("crm.change_")} == {
        "crm.change_lead",
        "crm.change_privacyrequest",
    }
    assert "crm.view_privacyrequest" in perms
    assert "crm.delete_privacyrequest" not in perms


@pytest.mark.django_db
def test_reviewer_cannot_open_the_ruleset_editor(reviewer_client):
    ruleset = Ruleset.objects.create(version=900, weights={})
    assert reviewer_client.get("/admin/qualification/ruleset/add/").status_code == 403
    change = f"/admin/qualification/ruleset/{ruleset.pk}/change/"
    assert reviewer_client.get(change).status_code == 403


@pytest.mark.django_db
def test_sales_can_open_the_ruleset_editor(client):
    client.force_login(UserFactory(roles=["Sales"]))
    assert client.get("/admin/qualification/ruleset/add/").status_code == 200
