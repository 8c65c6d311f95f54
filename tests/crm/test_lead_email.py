"""Issue 15: staff e-mail a lead from its page with the practice's templates, logged on
the lead; a marketing template needs a marketing consent in force, a reply does not."""

from __future__ import annotations

import re

import pytest
from django.core import mail
from django.urls import reverse
from django.utils import timezone

from crm import services
from crm.models import Activity, EmailTemplate
from tests.factories import ConsentFactory, LeadFactory, UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def templates():
    return {
        "call": EmailTemplate.objects.create(
            name="Book a call", language="fr", subject="Un appel, {first_name} ?",
            body="Bonjour {first_name},\n{company} nous intéresse. {unknown} {{literal}}\n"
            "{sender_name}",
        ),
        "news": EmailTemplate.objects.create(
            name="Newsletter", language="fr", purpose=EmailTemplate.Purpose.MARKETING,
            subject="Nouvelles", body="Nos nouvelles, {first_name}.",
        ),
    }  # fmt: skip


def email_url(lead):
    return reverse("admin:crm_lead_email", args=[lead.pk])


def test_a_template_is_filled_with_the_leads_fields_and_nothing_else_is_evaluated(templates):
    lead = LeadFactory(contact__first_name="Josée", contact__company__name="Acme inc.")
    by = UserFactory(first_name="Marc", last_name="Bouchard")
    draft = services.lead_email_fill(lead=lead, template=templates["call"], by=by)
    assert draft.subject == "Un appel, Josée ?"
    assert draft.body == (
        "Bonjour Josée,\nAcme inc. nous intéresse. {unknown} {{literal}}\nMarc Bouchard"
    )


def test_staff_send_from_the_lead_page_with_their_reply_to_and_it_is_logged(
    sales_client, templates, settings
):
    settings.CRM_SITE_URL = "https://leads.example.com"
    lead = LeadFactory(contact__first_name="Josée", contact__email="josee@example.com")
    page = sales_client.get(f"{email_url(lead)}?template={templates['call'].pk}")
    assert page.status_code == 200
    assert "Un appel, Josée ?" in page.content.decode()

    answer = sales_client.post(
        email_url(lead),
        {"template": templates["call"].pk, "subject": "Un appel,\r\nBcc: x@evil.test Josée ?",
         "body": "Bonjour Josée", "send": "1"},
    )  # fmt: skip
    assert answer.status_code == 302, answer.content.decode()[-3000:]
    [message] = mail.outbox
    assert message.to == ["josee@example.com"]
    assert message.reply_to == [answer.wsgi_request.user.email]
    assert "\n" not in message.subject and message.bcc == []
    # Like every e-mail to a prospect: the one-click unsubscribe of RFC 8058.
    assert message.extra_headers["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    assert re.fullmatch(
        r"<https://leads\.example\.com/fr/unsubscribe/[^>]+/>",
        message.extra_headers["List-Unsubscribe"],
    )
    logged = Activity.objects.get(lead=lead)
    assert logged.kind == Activity.Kind.EMAIL and logged.done_at is not None
    assert "Bonjour Josée" in logged.body and "Un appel," in logged.body


def test_a_marketing_template_is_refused_without_a_marketing_consent(sales_client, templates):
    lead = LeadFactory()
    post = {"template": templates["news"].pk, "subject": "Nouvelles", "body": "x", "send": "1"}
    answer = sales_client.post(email_url(lead), post)
    assert answer.status_code == 200
    assert "marketing" in answer.content.decode()
    assert mail.outbox == [] and not Activity.objects.filter(lead=lead).exists()

    ConsentFactory(
        contact=lead.contact, lead=lead, purpose="marketing", granted=True,
        confirmed_at=timezone.now(),
    )  # fmt: skip
    assert sales_client.post(email_url(lead), post).status_code == 302
    assert len(mail.outbox) == 1


def test_a_one_to_one_reply_needs_no_marketing_consent(sales_client, templates):
    lead = LeadFactory()
    post = {"template": templates["call"].pk, "subject": "Re", "body": "Merci", "send": "1"}
    assert sales_client.post(email_url(lead), post).status_code == 302
    assert len(mail.outbox) == 1


def test_choosing_a_template_without_javascript_reloads_the_page_with_it(sales_client, templates):
    lead = LeadFactory()
    answer = sales_client.post(
        email_url(lead), {"template": templates["call"].pk, "use_template": "1"}
    )
    assert answer.status_code == 302
    assert answer["Location"].endswith(f"?template={templates['call'].pk}")
    assert mail.outbox == []


def test_who_may_not_change_the_lead_may_not_e_mail_it(client, templates):
    viewer = UserFactory(is_staff=True)
    client.force_login(viewer)
    assert client.get(email_url(LeadFactory())).status_code in (403, 302)


def test_a_reviewer_reads_a_template_without_editing_it(client, templates):
    reviewer = UserFactory(roles=["Reviewer"])
    client.force_login(reviewer)
    page = client.get(reverse("admin:crm_emailtemplate_change", args=[templates["call"].pk]))
    assert page.status_code == 200
    assert 'name="body"' not in page.content.decode()
