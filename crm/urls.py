"""The staff API (``api/v1/leads/``...). Include it at the site root."""

app_name = "crm"

urlpatterns: list = []
