"""The JSON parser both apps' APIs use: strict about what a body may hold.

DRF's own parser takes duplicate keys (the last one wins, silently), any nesting depth
up to Python's recursion limit (a ``RecursionError``, so a 500, from a 40 KiB body) and
text that cannot be encoded as UTF-8 (a lone surrogate, ``"\\udfff"``), which then
breaks every page that shows it. This one refuses all three: the first two as a
malformed body, the third with an error at the field that holds it.
"""

from __future__ import annotations

import codecs

from django.utils.translation import gettext as _
from rest_framework.exceptions import ParseError, ValidationError
from rest_framework.parsers import JSONParser, get_encoding
from rest_framework.utils import json

from . import text

#: Far deeper than any body the apps take (a submission is four levels deep).
MAX_JSON_DEPTH = 16


class DuplicateKey(ValueError):
    pass


class NumberOutOfRange(ValueError):
    pass


def _finite_float(text: str) -> float:
    """A JSON number as a float, refused when it overflows (``1e400`` would be ``inf``,
    which no JSON column can store)."""
    value = float(text)
    if value in (float("inf"), float("-inf")):
        raise NumberOutOfRange(text)
    return value


def _no_duplicates(pairs):
    result = {}
    for key, value in pairs:
        if key in result:
            raise DuplicateKey(key)
        result[key] = value
    return result


class StrictJSONParser(JSONParser):
    """JSON that refuses duplicate keys, deep nesting and unstorable text (see the module)."""

    def parse(self, stream, media_type=None, parser_context=None):
        parser_context = parser_context or {}
        encoding = get_encoding(parser_context)
        try:
            decoded = codecs.getreader(encoding)(stream)
            data = json.load(
                decoded,
                object_pairs_hook=_no_duplicates,
                parse_float=_finite_float,
                parse_constant=json.strict_constant if self.strict else None,
            )
        except DuplicateKey as exc:
            shown = text.repaired(str(exc.args[0]))[:40]
            raise ParseError(
                _("JSON parse error - the key “%(key)s” appears more than once.") % {"key": shown}
            ) from exc
        except NumberOutOfRange as exc:
            raise ParseError(
                _("JSON parse error - the number %(number)s is too large.")
                % {"number": str(exc.args[0])[:40]}
            ) from exc
        except RecursionError as exc:
            raise ParseError(_("JSON parse error - the body is nested too deeply.")) from exc
        except ValueError as exc:
            raise ParseError(_("JSON parse error - %(error)s") % {"error": exc}) from exc
        if _depth(data) > MAX_JSON_DEPTH:
            raise ParseError(_("JSON parse error - the body is nested too deeply."))
        errors = text.problems(
            data,
            _(
                "This text holds a character that cannot be stored (a lone surrogate or "
                "NUL): remove it."
            ),
        )
        if errors is not None:
            raise ValidationError(errors)
        return data


def _depth(data) -> int:
    """How deep JSON containers nest in ``data`` (iterative: no recursion to exhaust)."""
    deepest, stack = 0, [(data, 1)]
    while stack:
        value, level = stack.pop()
        if isinstance(value, dict | list):
            deepest = max(deepest, level)
            if level <= MAX_JSON_DEPTH:
                children = value.values() if isinstance(value, dict) else value
                stack.extend((child, level + 1) for child in children)
    return deepest
