"""The prospect's public pages after the form, in French or English (from the URL).

- ``/<lang>/my-data/``: ask for a new link to one's private page, by e-mail address;
  the answer is the same whether the address is known or not (the worker sends the
  link only to a known one); rate limited per client and per address;
- ``/<lang>/my-data/<token>/``: the private page (a signed, expiring link); its actions
  are posts to ``.../review/``, ``.../erasure/``, ``.../withdraw-marketing/``; its
  downloads ``.../data.json`` and ``.../data.csv``;
- ``/<lang>/confirm/<token>/``: a consent confirmed from the e-mail (double opt-in);
  the link shows a button, the post confirms (a mail scanner's prefetch changes nothing);
- ``/<lang>/unsubscribe/<token>/``: RFC 8058's one-click unsubscribe. A post withdraws
  the marketing consent with no login and no CSRF token (the signed link is the
  credential; this view alone is ``csrf_exempt``); a get shows a page with the button
  and changes nothing.

A bad link (changed, expired, or for a person no longer kept) gets a page saying so in
the person's language, with its status (403 changed, 410 expired or gone), and
changes nothing. Every page is sent with ``Cache-Control: no-store``,
``Referrer-Policy: same-origin`` (the links carry a token: no other site learns it from
the ``Referer``; ``no-referrer`` would make browsers send ``Origin: null`` with the
forms, which Django's CSRF check refuses) and ``X-Robots-Tag: noindex``.
"""

from __future__ import annotations

import math
from urllib.parse import urlencode

from django import forms
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.http import HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext_lazy as _
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods

from crm import selectors as crm_selectors
from crm import services as crm_services
from crm.text import has_control_characters

from .. import services
from ..app_settings import app_settings
from ..consent import practice_name
from ..services.prospect import MAX_OBSERVATIONS
from ..throttles import PrivateLinkRateThrottle, client_ip
from . import export, links
from .page import private_page_context

OTHER_LANGUAGE = {"fr": "en", "en": "fr"}

#: A bad link: its page's status, title and explanation.
PROBLEMS = {
    "tampered": (
        403,
        _("This link does not work"),
        _(
            "The link is incomplete or was changed. Use the link exactly as it is in the "
            "e-mail, or ask for a new one below."
        ),
    ),
    "expired": (
        410,
        _("This link has expired"),
        _("For your protection, these links work for a limited time. Ask for a new one below."),
    ),
    "gone": (
        410,
        _("No information is kept under this link"),
        _(
            "We keep no information any more for the address this link was sent to (it may "
            "have been erased or changed). Nothing was changed."
        ),
    ),
}


def _respond(request, lang: str, template: str, context: dict, *, status: int = 200, other=None):
    with translation.override(lang):
        other_lang = OTHER_LANGUAGE[lang]
        full = {
            "lang": lang,
            "practice_name": practice_name(),
            "privacy_policy_url": app_settings.PRIVACY_POLICY_URL,
            "other_language": {
                "code": other_lang,
                "url": other or links.link_request_url(lang=other_lang, absolute=False),
            },
            "link_request_url": links.link_request_url(lang=lang, absolute=False),
            **context,
        }
        response = render(request, template, full, status=status)
    response["Content-Language"] = lang
    response["Cache-Control"] = "no-store"
    response["Referrer-Policy"] = "same-origin"
    response["X-Robots-Tag"] = "noindex"
    return response


def link_problem(request, lang: str, reason: str):
    """The page for a bad link (``tampered``, ``expired`` or ``gone``)."""
    return _problem(request, lang, reason)


def _problem(request, lang: str, reason: str, *, title=None, text=None, status=None):
    default_status, default_title, default_text = PROBLEMS[reason]
    return _respond(
        request,
        lang,
        "qualification/prospect/link_problem.html",
        {"title": title or default_title, "text": text or default_text},
        status=status or default_status,
    )


# --- A new link -------------------------------------------------------------------------


@require_http_methods(["GET", "POST"])
def private_link_request(request, lang: str):
    """Ask for a link to one's private page, by e-mail address."""
    if request.method == "GET":
        return _respond(request, lang, "qualification/prospect/link_request.html", {})
    email = str(request.POST.get("email", "")).strip()
    with translation.override(lang):
        error = None
        if not email or len(email) > 254 or has_control_characters(email):
            error = _("Enter your e-mail address.")
        else:
            try:
                validate_email(email)
            except ValidationError:
                error = _("Enter a valid e-mail address, such as name@example.com.")
        if error:
            return _respond(
                request,
                lang,
                "qualification/prospect/link_request.html",
                {"email": email[:254], "error": str(error)},
                status=400,
            )
        throttle = PrivateLinkRateThrottle()
        if not (throttle.allow_request(request, None) and throttle.allow_email(email)):
            wait = math.ceil(throttle.wait() or 1)
            response = _respond(
                request,
                lang,
                "qualification/prospect/link_request.html",
                {"email": email, "retry_after": wait},
                status=429,
            )
            response["Retry-After"] = str(wait)
            return response
    services.private_link_request(email=email, language=lang)
    return _respond(request, lang, "qualification/prospect/link_request.html", {"sent": True})


# --- The private page ---------------------------------------------------------------------


class ReviewForm(forms.Form):
    observations = forms.CharField(
        label=_("Your observations"),
        max_length=MAX_OBSERVATIONS,
        widget=forms.Textarea(attrs={"rows": 6}),
        error_messages={
            "required": _("Write what you would like the person reviewing it to know."),
            "max_length": _("Keep your observations to %(limit_value)d characters or fewer."),
        },
    )

    def clean_observations(self):
        text = self.cleaned_data["observations"].replace("\r\n", "\n").strip()
        if has_control_characters(text):
            raise ValidationError(
                _("Remove the invisible control characters (line breaks and tabs are fine).")
            )
        if not text:
            raise ValidationError(self.fields["observations"].error_messages["required"])
        return text


def _private(request, lang, token, contact, *, status=200, **extra):
    with translation.override(lang):
        context = private_page_context(contact, lang)
        context.update(
            {
                "token": token,
                "review_form": extra.pop("review_form", None) or ReviewForm(),
                "correct_url": reverse("qualification:questionnaire", kwargs={"lang": lang})
                + "?"
                + urlencode({"correct": token}),
                "urls": _action_urls(lang, token),
                **extra,
            }
        )
    other = links.private_url(lang=OTHER_LANGUAGE[lang], token=token, absolute=False)
    return _respond(
        request, lang, "qualification/prospect/private.html", context, status=status, other=other
    )


def _action_urls(lang: str, token: str) -> dict[str, str]:
    def action(name: str) -> str:
        return reverse(
            "qualification:private-action", kwargs={"lang": lang, "token": token, "action": name}
        )

    def download(data_format: str) -> str:
        return reverse(
            "qualification:private-export",
            kwargs={"lang": lang, "token": token, "data_format": data_format},
        )

    return {
        "review": action("review"),
        "erasure": action("erasure"),
        "withdraw": action("withdraw-marketing"),
        "json": download("json"),
        "csv": download("csv"),
    }


@require_http_methods(["GET"])
def private_page(request, lang: str, token: str):
    contact, problem = links.private_person(token)
    if problem:
        return _problem(request, lang, problem)
    return _private(request, lang, token, contact)


@require_http_methods(["POST"])
def private_action(request, lang: str, token: str, action: str):
    """The private page's buttons: ``review`` (with observations), ``erasure``,
    ``withdraw-marketing``. The page comes back with what happened (201 a request filed,
    409 one already open, 400 a field to fix, 200 a withdrawal)."""
    contact, problem = links.private_person(token)
    if problem:
        return _problem(request, lang, problem)
    with translation.override(lang):
        if action == "review":
            form = ReviewForm(request.POST)
            if not form.is_valid():
                form.fields["observations"].widget.attrs.update(
                    {"aria-invalid": "true", "aria-describedby": "id_observations_error"}
                )
                return _private(request, lang, token, contact, status=400, review_form=form)
            filed, created = services.prospect_request_review(
                contact_id=contact.pk,
                observations=form.cleaned_data["observations"],
                language=lang,
            )
            return _filed(request, lang, token, contact, filed, created, "review")
        if action == "erasure":
            filed, created = services.prospect_request_erasure(contact_id=contact.pk, language=lang)
            return _filed(request, lang, token, contact, filed, created, "erasure")
        withdrawn = _withdraw_marketing(request, contact, lang, source="private page")
        return _private(
            request,
            lang,
            token,
            contact,
            done={"kind": "withdrawn" if withdrawn else "already_withdrawn"},
        )


def _withdraw_marketing(request, contact, lang: str, *, source: str) -> bool:
    """Withdraw the person's marketing consent, with the request's evidence."""
    return services.prospect_withdraw_marketing(
        contact_id=contact.pk,
        language=lang,
        source=source,
        ip_address=client_ip(request),
        user_agent=request.META.get("HTTP_USER_AGENT", ""),
    )


def _filed(request, lang, token, contact, filed, created, kind):
    if filed is None:
        return _problem(request, lang, "gone")
    done = {"kind": f"{kind}_filed" if created else f"{kind}_already", "request": filed}
    return _private(request, lang, token, contact, status=201 if created else 409, done=done)


@require_http_methods(["GET"])
def private_export(request, lang: str, token: str, data_format: str):
    """The person's data as a file: ``json`` (provided apart from inferred) or ``csv``."""
    contact, problem = links.private_person(token)
    if problem:
        return _problem(request, lang, problem)
    data = export.person_data(contact, lang)
    if data_format == "json":
        body, content_type = export.as_json(data), "application/json; charset=utf-8"
    else:
        # With a byte order mark, so that spreadsheet programs read it as UTF-8.
        body, content_type = "\ufeff" + export.as_csv(data), "text/csv; charset=utf-8"
    services.prospect_data_downloaded(contact_id=contact.pk, data_format=data_format)
    response = HttpResponse(body, content_type=content_type)
    response["Content-Disposition"] = f'attachment; filename="my-data.{data_format}"'
    response["Cache-Control"] = "no-store"
    response["Referrer-Policy"] = "same-origin"
    response["X-Robots-Tag"] = "noindex"
    return response


# --- Double opt-in -------------------------------------------------------------------------


CONFIRMATION_PROBLEMS = {
    crm_services.Confirmation.OTHER_ADDRESS: (
        403,
        _("This link is for another address"),
        _("This confirmation link was made for another e-mail address: nothing was confirmed."),
    ),
    crm_services.Confirmation.ALREADY_CONFIRMED: (
        409,
        _("Already confirmed"),
        _("Your consent was already confirmed: nothing was changed."),
    ),
    crm_services.Confirmation.WITHDRAWN_SINCE: (
        409,
        _("You withdrew this consent since"),
        _(
            "You withdrew this consent after giving it, so the earlier one cannot be "
            "confirmed: nothing was changed. To subscribe again, answer the questionnaire "
            "again."
        ),
    ),
}


@require_http_methods(["GET", "POST"])
def consent_confirm(request, lang: str, token: str):
    try:
        consent_ids, email = links.confirm_token_read(token)
    except links.BadLink as bad:
        return _problem(request, lang, bad.reason)
    other = reverse(
        "qualification:consent-confirm", kwargs={"lang": OTHER_LANGUAGE[lang], "token": token}
    )
    if request.method == "GET":
        consents = crm_selectors.consents_by_ids(consent_ids=consent_ids)
        if len(consents) != len(set(consent_ids)):
            return _problem(request, lang, "gone")
        normalized = crm_services.normalize_email(email)
        if any(consent.contact.email != normalized for consent in consents):
            return _confirmation_problem(request, lang, crm_services.Confirmation.OTHER_ADDRESS)
        already = all(consent.confirmed_at or not consent.granted for consent in consents)
        with translation.override(lang):
            shown = [
                {
                    "purpose": str(c.get_purpose_display()),
                    "wording": c.wording,
                    "given_at": c.created_at,
                }
                for c in consents
            ]
        return _respond(
            request,
            lang,
            "qualification/prospect/confirm.html",
            {"consents": shown, "already": already, "email": normalized},
            other=other,
        )
    outcome = crm_services.consents_confirm(consent_ids=consent_ids, email=email)
    if outcome == crm_services.Confirmation.NOT_FOUND:
        return _problem(request, lang, "gone")
    if outcome != crm_services.Confirmation.CONFIRMED:
        return _confirmation_problem(request, lang, outcome)
    return _respond(
        request, lang, "qualification/prospect/confirm.html", {"confirmed": True}, other=other
    )


def _confirmation_problem(request, lang, outcome):
    status, title, text = CONFIRMATION_PROBLEMS[outcome]
    return _problem(request, lang, "tampered", title=title, text=text, status=status)


# --- One-click unsubscribe (RFC 8058) ------------------------------------------------------


@csrf_exempt
@require_http_methods(["GET", "POST"])
def unsubscribe(request, lang: str, token: str):
    """GET: a page with the button (changes nothing: mail scanners open links). POST (the
    button, or the mail client's ``List-Unsubscribe=One-Click``): the marketing consent is
    withdrawn at once, without login or CSRF token; doing it again changes nothing."""
    try:
        contact_id, email = links.unsubscribe_token_read(token)
    except links.BadLink as bad:
        return _problem(request, lang, bad.reason)
    contact = crm_selectors.contact_for_link(contact_id=contact_id, email=email)
    if contact is None:
        return _problem(request, lang, "gone")
    other = reverse(
        "qualification:unsubscribe", kwargs={"lang": OTHER_LANGUAGE[lang], "token": token}
    )
    if request.method == "GET":
        return _respond(
            request,
            lang,
            "qualification/prospect/unsubscribe.html",
            {"email": contact.email},
            other=other,
        )
    _withdraw_marketing(request, contact, lang, source="one-click unsubscribe (RFC 8058)")
    return _respond(
        request,
        lang,
        "qualification/prospect/unsubscribe.html",
        {"email": contact.email, "done": True},
        other=other,
    )
