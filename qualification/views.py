"""The public pages: the questionnaire form and the thank-you page, in French or English.

The language comes from the URL (``/fr/...``, ``/en/...``) and holds for the whole
response, whatever the browser prefers.
"""

from __future__ import annotations

import math
from urllib.parse import urlencode

from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import translation
from django.views.decorators.http import require_http_methods

from . import selectors, services
from .app_settings import app_settings
from .consent import practice_name
from .forms import SWITCH_LANGUAGE, QuestionnaireForm
from .models import Submission
from .prospect import links, outcome
from .prospect import views as prospect_views
from .prospect.correction import correction_contact, correction_initial, verified_correction
from .throttles import SubmissionRateThrottle, client_address, client_ip

OTHER_LANGUAGE = {"fr": "en", "en": "fr"}


def _page_context(request, lang: str, other_url: str) -> dict:
    other = OTHER_LANGUAGE[lang]
    return {
        "lang": lang,
        "practice_name": practice_name(),
        "privacy_policy_url": app_settings.PRIVACY_POLICY_URL,
        "other_language": {"code": other, "url": other_url},
    }


def _in(lang: str, response):
    """Say the page's language (LocaleMiddleware would say the browser's)."""
    response["Content-Language"] = lang
    return response


def _questionnaire_url(lang: str, query: str = "") -> str:
    url = reverse("qualification:questionnaire", kwargs={"lang": lang})
    return f"{url}?{query}" if query else url


@require_http_methods(["GET", "POST"])
def questionnaire_page(request, lang: str):
    """The questionnaire: blank on GET; on POST stored (then the thank-you page) or shown
    again with each error beside its field and everything typed kept."""
    with translation.override(lang):
        questionnaire = selectors.questionnaire_current()
        if questionnaire is None:
            raise Http404("No questionnaire is published.")
        query = urlencode(
            {k: v for k, v in request.GET.items() if k.startswith("utm_") or k == "correct"}
        )
        context = _page_context(request, lang, _questionnaire_url(OTHER_LANGUAGE[lang], query))
        if request.method == "GET":
            initial = QuestionnaireForm.blank_initial(
                request.GET, referrer=request.META.get("HTTP_REFERER", "")
            )
            if "correct" in request.GET:
                contact, problem = correction_contact(request.GET.get("correct", ""))
                if problem:
                    return prospect_views.link_problem(request, lang, problem)
                initial.update(correction_initial(contact, request.GET["correct"]))
                context["correcting"] = True
            form = QuestionnaireForm(initial=initial, questionnaire=questionnaire, language=lang)
            return _in(
                lang, render(request, "qualification/questionnaire.html", {**context, "form": form})
            )

        if SWITCH_LANGUAGE in request.POST:
            # The language switch: the same answers in this language, nothing judged
            # or stored yet.
            form = QuestionnaireForm(
                initial=QuestionnaireForm.initial_from(request.POST),
                questionnaire=questionnaire,
                language=lang,
            )
            return _in(
                lang, render(request, "qualification/questionnaire.html", {**context, "form": form})
            )
        form = QuestionnaireForm(request.POST, questionnaire=questionnaire, language=lang)
        throttle = SubmissionRateThrottle()
        if not throttle.allow_request(request, None):
            wait = math.ceil(throttle.wait() or 1)
            response = render(
                request,
                "qualification/questionnaire.html",
                {**context, "form": form, "retry_after": wait},
                status=429,
            )
            response["Retry-After"] = str(wait)
            return _in(lang, response)
        valid = form.is_valid()
        result = services.submission_intake(
            questionnaire=questionnaire,
            language=lang,
            channel=Submission.Channel.WEB_FORM,
            payload=form.payload(),
            validate=lambda: (form.validated_data, {}) if valid else (None, form.errors),
            client=client_address(request),
            ip_address=client_ip(request),
            user_agent=request.META.get("HTTP_USER_AGENT", ""),
            consent_source=request.build_absolute_uri(),
            idempotency_key=form.idempotency_key,
            fingerprint_of=form.posted(),
            key_reuse_makes_a_new_submission=True,
            verified_contact=verified_correction(request.POST),
        )
        if result.errors is not None:
            return _in(
                lang,
                render(
                    request,
                    "qualification/questionnaire.html",
                    {**context, "form": form},
                    status=400,
                ),
            )
        return _thanks_redirect(lang, result.submission)


#: How many times the thank-you page's "Refresh the page" link (JavaScript off) is offered
#: before the page says the answer will come by e-mail (the script tries for 5 minutes).
MAX_REFRESHES = 24


def _small_number(value) -> int:
    try:
        return min(max(int(value), 0), MAX_REFRESHES)
    except (TypeError, ValueError):
        return 0


def _thanks_redirect(lang: str, submission: Submission):
    return redirect("qualification:thanks", lang=lang, public_id=submission.public_id)


@require_http_methods(["GET"])
def thanks_page(request, lang: str, public_id):
    """After submitting: thanks; once the worker has classified the submission, its result
    (unless ``QUALIFICATION_SHOW_RESULT_TO_PROSPECT`` is off), the reasons that weighed
    most and the automated-decision notice (Law 25 s.12.1); the next step. While it is
    pending a small static script (``qualification/live-region.js``) reads the page again every
    few seconds and shows the result in place, in a status region; no timed refresh of
    the whole page (WCAG 2.2.1). With JavaScript off, a "Refresh the page" link does it
    by hand; after ``MAX_REFRESHES`` of those the page says the result will come by e-mail."""
    with translation.override(lang):
        view = selectors.submission_for_prospect(public_id=public_id)
        if view is None:
            raise Http404("No such submission.")
        other_url = reverse(
            "qualification:thanks",
            kwargs={"lang": OTHER_LANGUAGE[lang], "public_id": public_id},
        )
        context = _page_context(request, lang, other_url)
        show_result = app_settings.SHOW_RESULT_TO_PROSPECT
        # Reload while the worker has not finished, for about two minutes at most.
        refreshes = _small_number(request.GET.get("r"))
        pending = view.status == Submission.Status.PENDING
        waiting = show_result and pending and refreshes < MAX_REFRESHES
        # In the page's language, which may not be the submission's.
        result = outcome.view_result(view, lang)
        context.update(
            {
                "submission": view,
                "show_result": show_result,
                "result": result,
                "waiting": waiting,
                "refresh_url": f"?{urlencode({'r': refreshes + 1})}",
                "failed": view.status == Submission.Status.FAILED,
                "still_pending": show_result and pending and not waiting,
                "next_step": outcome.next_step(
                    fit_grade=view.fit_grade, name=view.name, email=view.email
                ),
                "link_request_url": links.link_request_url(lang=lang, absolute=False),
                "questionnaire_url": _questionnaire_url(lang),
            }
        )
        return _in(lang, render(request, "qualification/thanks.html", context))
