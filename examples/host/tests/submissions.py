"""What the tests send: a complete set of answers, an API body, a post of it."""

from __future__ import annotations

import json

from tests.conftest import PREFIX

ANSWERS = {
    "needs": ["align_strategy", "structure_team"],
    "horizon": "ongoing",
    "involvement": "join_leadership",
    "represent_company": "yes",
    "supervise_team": "yes",
    "time_commitment": "one_or_two_days_week",
    "marketing_team_size": "one_or_two",
    "marketing_leader": "none",
    "strategy_state": "none_or_fragile",
    "employees": "10_49",
    "annual_revenue": "2m_10m",
    "monthly_budget": "5k_10k",
    "start": "this_quarter",
    "decision_role": "owner_or_ceo",
}


def api_payload(email: str = "josee.tremblay@example.com") -> dict:
    return {
        "language": "fr",
        "contact": {"first_name": "Josée", "last_name": "Tremblay", "email": email},
        "company": {"name": "Boulangerie Tremblay", "website": "https://tremblay.example.com"},
        "answers": ANSWERS,
        "consent": {"contact": True, "marketing": False},
    }


def post_submission(client, payload: dict | None = None):
    return client.post(
        f"{PREFIX}api/v1/submissions/",
        json.dumps(payload or api_payload()),
        content_type="application/json",
    )
