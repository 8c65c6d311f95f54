"""The body of each event: ``{"type", "timestamp", "data"}`` as compact UTF-8 JSON.

``data`` for a lead event is the lead exactly as the staff API shows it
(``crm.serializers.LeadSerializer``, one shape for both); ``lead.erased`` carries only
identifiers. The body is made once, when the event happens, and every attempt and replay
sends the same text (the signature covers it).
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from datetime import UTC, datetime

from rest_framework.utils.encoders import JSONEncoder


def leads_data(lead_ids: Iterable[int]) -> dict[int, dict]:
    """Each lead (by id) as the staff API shows it; leads that are gone are left out."""
    # Imported here: the serializers import crm.services, which import this module.
    from ..selectors import lead_list
    from ..serializers import LeadSerializer

    leads = lead_list().filter(pk__in=list(lead_ids))
    return {lead.pk: LeadSerializer(lead).data for lead in leads}


def timestamp_text(at: datetime) -> str:
    return at.astimezone(UTC).isoformat().replace("+00:00", "Z")


def event_body(event_type: str, data: dict, at: datetime) -> str:
    return json.dumps(
        {"type": event_type, "timestamp": timestamp_text(at), "data": data},
        cls=JSONEncoder,
        ensure_ascii=False,
        separators=(",", ":"),
    )
