"""The public API: the questionnaire, posting a submission, a submission's status.

No login: these are what the practice's own web site (or any partner) talks to.
"""

from __future__ import annotations

from functools import partial

from django.core.exceptions import RequestDataTooBig
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext as _
from drf_spectacular.utils import (
    OpenApiExample,
    OpenApiParameter,
    OpenApiResponse,
    extend_schema,
)
from rest_framework import status
from rest_framework.exceptions import NotFound
from rest_framework.permissions import AllowAny
from rest_framework.response import Response
from rest_framework.views import APIView

from crm.parsers import StrictJSONParser

from . import selectors, services
from .app_settings import app_settings
from .fast_validation import submission_validate
from .intake import submission_language
from .models import Submission
from .serializers import (
    QuestionnaireOutSerializer,
    SubmissionInSerializer,
    SubmissionReceiptSerializer,
    SubmissionStatusSerializer,
)
from .throttles import SubmissionRateThrottle, client_address, client_ip

IDEMPOTENCY_KEY_MAX_LENGTH = 200


class SubmissionJSONParser(StrictJSONParser):
    """The strict JSON parser (duplicate keys, deep nesting and text that cannot be
    stored are refused: see ``crm.parsers``), for the public submission endpoint."""


class PublicApi(APIView):
    authentication_classes: list = []
    permission_classes = [AllowAny]


def _no_questionnaire() -> Response:
    return Response(
        {"detail": _("No questionnaire is published yet.")},
        status=status.HTTP_503_SERVICE_UNAVAILABLE,
    )


class QuestionnaireApi(PublicApi):
    @extend_schema(
        operation_id="questionnaire_current",
        parameters=[OpenApiParameter("lang", str, enum=["fr", "en"], description="Default fr.")],
        responses={
            200: QuestionnaireOutSerializer,
            503: OpenApiResponse(description="No questionnaire is published yet."),
        },
        tags=["public"],
    )
    def get(self, request):
        """The current questionnaire, labels in the asked language, to render the form."""
        language = submission_language(request.query_params.get("lang"))
        questionnaire = selectors.questionnaire_current()
        if questionnaire is None:
            return _no_questionnaire()
        serializer = QuestionnaireOutSerializer(questionnaire, context={"language": language})
        return Response(serializer.data)


#: A real submission, in the questionnaire's own keys (``GET /api/v1/questionnaire/``).
SUBMISSION_EXAMPLE = OpenApiExample(
    "A prospect from a partner site",
    request_only=True,
    value={
        "language": "fr",
        "contact": {
            "first_name": "Josée",
            "last_name": "Tremblay",
            "email": "josee.tremblay@boulangerie-tremblay.ca",
            "phone": "418 555-0142",
            "job_title": "Présidente",
        },
        "company": {"name": "Boulangerie Tremblay", "website": "boulangerie-tremblay.ca"},
        "answers": {
            "needs": ["structure_team", "align_strategy"],
            "horizon": "ongoing",
            "involvement": "join_leadership",
            "represent_company": "yes",
            "supervise_team": "yes",
            "time_commitment": "one_or_two_days_week",
            "marketing_team_size": "three_to_ten",
            "marketing_leader": "none",
            "strategy_state": "informal",
            "employees": "50_199",
            "annual_revenue": "10m_50m",
            "monthly_budget": "5k_10k",
            "start": "this_quarter",
            "decision_role": "owner_or_ceo",
            "context": "Trois succursales de plus d'ici un an.",
        },
        "consent": {"contact": True, "marketing": False},
        "source": {"utm_source": "linkedin", "utm_medium": "social", "utm_campaign": "automne"},
    },
)


class SubmissionCreateApi(PublicApi):
    parser_classes = [SubmissionJSONParser]

    def get_throttles(self):
        return [SubmissionRateThrottle()]

    @extend_schema(
        operation_id="submission_create",
        request=SubmissionInSerializer,
        examples=[SUBMISSION_EXAMPLE],
        parameters=[
            OpenApiParameter(
                "Idempotency-Key",
                str,
                location=OpenApiParameter.HEADER,
                description=(
                    "A retry with the same key and body gets the first answer again (for 24 "
                    "hours, per client); the same key with another body gets 422."
                ),
            )
        ],
        responses={
            202: SubmissionReceiptSerializer,
            400: OpenApiResponse(description="Field-level errors in the submission's language."),
            422: OpenApiResponse(
                description="The Idempotency-Key was already used with a different body."
            ),
            413: OpenApiResponse(description="The body is over 64 KiB."),
            429: OpenApiResponse(description="Too many posts; see Retry-After."),
            503: OpenApiResponse(description="No questionnaire is published yet."),
        },
        tags=["public"],
    )
    def post(self, request):
        """Store a submission (202, before it is classified) and queue its classification."""
        if _too_big(request):
            return _payload_too_large()
        key = request.headers.get("Idempotency-Key", "").strip() or None
        if key and (
            len(key) > IDEMPOTENCY_KEY_MAX_LENGTH or not (key.isascii() and key.isprintable())
        ):
            return Response(
                {
                    "idempotency_key": [
                        _("Use a key of at most 200 printable ASCII characters, such as a UUID.")
                    ]
                },
                status=status.HTTP_400_BAD_REQUEST,
            )
        try:
            payload = request.data
        except RequestDataTooBig:
            return _payload_too_large()
        questionnaire = selectors.questionnaire_current()
        if questionnaire is None:
            return _no_questionnaire()
        language = submission_language(
            payload.get("language") if isinstance(payload, dict) else None,
            getattr(request, "LANGUAGE_CODE", None),
        )
        with translation.override(language):
            result = services.submission_intake(
                questionnaire=questionnaire,
                language=language,
                channel=Submission.Channel.API,
                payload=payload,
                validate=partial(submission_validate, payload, questionnaire=questionnaire),
                client=client_address(request),
                ip_address=client_ip(request),
                user_agent=request.META.get("HTTP_USER_AGENT", ""),
                consent_source=_api_source(request),
                idempotency_key=key,
            )
            if result.key_reused:
                return _key_reused()
            if result.errors is not None:
                return Response(result.errors, status=status.HTTP_400_BAD_REQUEST)
        return _answer(request, result.submission, replayed=not (result.created or result.spam))


def _key_reused() -> Response:
    """The IETF Idempotency-Key draft's answer to a key reused with another body."""
    return Response(
        {
            "idempotency_key": [
                _(
                    "This Idempotency-Key was already used for a different submission. "
                    "Use a new key for new answers; send the same body again to retry."
                )
            ]
        },
        status=status.HTTP_422_UNPROCESSABLE_ENTITY,
    )


class SubmissionStatusApi(PublicApi):
    @extend_schema(
        operation_id="submission_status",
        responses={
            200: SubmissionStatusSerializer,
            404: OpenApiResponse(description="No submission has this id."),
        },
        tags=["public"],
    )
    def get(self, request, public_id):
        """Where a submission stands: pending, classified or failed."""
        view = selectors.submission_for_prospect(public_id=public_id)
        if view is None:
            raise NotFound()
        return Response(SubmissionStatusSerializer(view).data)


def _too_big(request) -> bool:
    try:
        length = int(request.META.get("CONTENT_LENGTH") or 0)
    except ValueError:
        return False
    return length > app_settings.MAX_SUBMISSION_BYTES


def _payload_too_large() -> Response:
    limit = {"limit": app_settings.MAX_SUBMISSION_BYTES // 1024}
    return Response(
        {"detail": _("The request is too large (the limit is %(limit)d KiB).") % limit},
        status=status.HTTP_413_REQUEST_ENTITY_TOO_LARGE,
    )


def _api_source(request) -> str:
    """Where an API consent came from, for the evidence: "api", and the sending page if known."""
    origin = request.headers.get("Referer") or request.headers.get("Origin") or ""
    return f"api {origin}".strip()


def _answer(request, submission: Submission, *, replayed: bool) -> Response:
    """The first answer given for this submission, the same on every replay."""
    first = submission.first_response or {
        "status_code": 202,
        "body": services.submission_receipt(submission=submission),
    }
    location = reverse(
        "qualification:api-submission-status", kwargs={"public_id": submission.public_id}
    )
    headers = {"Location": request.build_absolute_uri(location)}
    if replayed:
        headers["Idempotent-Replayed"] = "true"
    return Response(first["body"], status=first["status_code"], headers=headers)
