"""The public questionnaire pages and API. Include it at the site root."""

app_name = "qualification"

urlpatterns: list = []
