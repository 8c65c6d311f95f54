"""Page-number pagination for the staff API, with examples from this API in the schema
(DRF's own show ``http://api.example.org/accounts/?page=4``, another product's URL)."""

from __future__ import annotations

from rest_framework.pagination import PageNumberPagination


class StaffPagination(PageNumberPagination):
    """``?page=`` and ``?page_size=`` (up to 500); ``example_path`` is the list's own path,
    shown in the OpenAPI schema's examples of ``next`` and ``previous``."""

    page_size = 50
    page_size_query_param = "page_size"
    max_page_size = 500
    example_path = "/api/v1/leads/"

    def get_paginated_response_schema(self, schema):
        described = super().get_paginated_response_schema(schema)
        base = f"https://leads.example.com{self.example_path}"
        described["properties"]["count"]["example"] = 1234
        described["properties"]["next"]["example"] = f"{base}?page=3&page_size=50"
        described["properties"]["previous"]["example"] = f"{base}?page=1&page_size=50"
        return described
