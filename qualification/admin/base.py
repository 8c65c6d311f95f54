"""What the qualification's admin screens share."""

from __future__ import annotations

import json

from django.contrib import admin
from django.http import HttpRequest
from django.utils.html import format_html


def _pretty_json(value) -> str:
    return format_html(
        '<pre class="qualification-json">{}</pre>',
        json.dumps(value, indent=1, ensure_ascii=False),
    )


#: A classification's result, in the order staff read it.
RESULT_FIELDS = [
    "recommendation",
    "alternative",
    "confidence",
    "needs_review",
    "fit_score",
    "fit_grade",
]


class RecordAdmin(admin.ModelAdmin):
    """A record kept as it was made: every field shown read-only, none added by hand."""

    def get_readonly_fields(self, request: HttpRequest, obj=None):
        return self.fields

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False
