"""drf-spectacular post-processing: document the errors Django REST framework answers by itself.

Every operation with credentials can answer 401 and 403, every body can be malformed
(400) or of another media type (415), every path id can name nothing (404), and so can
a page number past the end. Views document their own errors; this adds the framework's,
so the schema never promises less than the API does, for endpoints added later too.
"""

from __future__ import annotations

from typing import Any


def framework_errors(operation: dict[str, Any]) -> dict[int, str]:
    """The statuses DRF itself may answer for this operation, with what they mean."""
    errors: dict[int, str] = {}
    parameters = operation.get("parameters", [])
    if any(requirement for requirement in operation.get("security", [])):
        errors[401] = "No valid credentials: a token, or the admin's session."
        errors[403] = "Signed in, but not allowed to do this."
    if "requestBody" in operation:
        errors[400] = "The body is malformed, or a field is invalid."
        errors[415] = "The body is not in a media type this operation reads."
    if any(parameter["in"] == "path" for parameter in parameters):
        errors[404] = "Nothing has this id."
    elif any(p["in"] == "query" and p["name"] == "page" for p in parameters):
        errors[404] = "There is no such page."
    return errors


def document_framework_errors(result: dict[str, Any], generator, request, public) -> dict:
    for operations in result.get("paths", {}).values():
        for operation in operations.values():
            responses = operation.setdefault("responses", {})
            for status, description in framework_errors(operation).items():
                responses.setdefault(str(status), {"description": description})
    return result
