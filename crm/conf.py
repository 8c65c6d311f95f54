"""App settings declared once: name, default, what a valid value is, and what it does.

Each app lists its settings in ``<app>/app_settings.py`` as ``Setting`` attributes of an
``AppSettings`` subclass with the app's prefix. A setting is read from Django's settings
each time it is used (``override_settings`` and a host's changes apply at once), falls
back to its default, and is checked by the app's system check (``problems()``), which
names the setting and the value it expects. ``python -c "help(crm.app_settings)"`` lists
them with their docstrings; the README's "Settings" section does too.
"""

from __future__ import annotations

from collections.abc import Callable
from urllib.parse import urlsplit

from django.conf import settings
from django.core.checks import Error
from django.core.exceptions import ValidationError
from django.core.validators import validate_email


class Rule:
    """What a valid value is: a predicate and its wording for the error message."""

    def __init__(self, expected: str, valid: Callable[[object], bool]):
        self.expected = expected
        self.valid = valid

    def __call__(self, value) -> bool:
        return self.valid(value)


def _whole(value) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def whole_number(low: int, high: int | None = None) -> Rule:
    return Rule(
        f"a whole number from {low}" + (f" to {high}" if high is not None else ""),
        lambda v: _whole(v) and v >= low and (high is None or v <= high),
    )


def number(low: float) -> Rule:
    return Rule(
        f"a number from {low}",
        lambda v: isinstance(v, int | float) and not isinstance(v, bool) and v >= low,
    )


def one_of(*choices) -> Rule:
    return Rule("one of " + ", ".join(repr(c) for c in choices), lambda v: v in choices)


def is_absolute_http_url(url) -> bool:
    parts = urlsplit(url if isinstance(url, str) else "")
    return parts.scheme in ("http", "https") and bool(parts.netloc)


def _email_or_empty(value) -> bool:
    if not isinstance(value, str):
        return False
    if value == "":
        return True
    try:
        validate_email(value)
    except ValidationError:
        return False
    return True


boolean = one_of(True, False)
text = Rule("text", lambda v: isinstance(v, str))
email_or_empty = Rule("an e-mail address, or empty", _email_or_empty)
url_or_empty = Rule(
    "an absolute http(s) address, or empty", lambda v: v == "" or is_absolute_http_url(v)
)
anything = Rule("anything", lambda v: True)


class Setting:
    """One app setting: ``<PREFIX><NAME>`` in Django's settings, else ``default``.

    ``default`` may be a function of no arguments, called when the setting is read (for
    a default that follows another Django setting). ``rule`` says what a valid value is;
    the app's system check reports any other.
    """

    def __init__(self, default, rule: Rule, doc: str, *, check_id: str | None = None):
        self.default = default
        self.rule = rule
        self.check_id = check_id  # an id of its own, else the app's settings check id
        self.__doc__ = doc

    def __set_name__(self, owner, name):
        self.name = name

    def __get__(self, instance, owner=None):
        if instance is None:
            return self
        value = getattr(settings, instance.prefix + self.name, _MISSING)
        if value is _MISSING:
            return self.default() if callable(self.default) else self.default
        return value


_MISSING = object()


class AppSettings:
    """Base of an app's settings object: subclasses set ``prefix`` and declare ``Setting``s."""

    prefix = ""

    @classmethod
    def declared(cls) -> dict[str, Setting]:
        return {
            name: value
            for klass in reversed(cls.__mro__)
            for name, value in vars(klass).items()
            if isinstance(value, Setting)
        }

    def problems(self, *, check_id: str) -> list[Error]:
        """One system-check Error per setting whose value its rule refuses."""
        errors = []
        for name, declared in self.declared().items():
            value = getattr(self, name)
            if not declared.rule(value):
                errors.append(
                    Error(
                        f"{self.prefix}{name} must be {declared.rule.expected}, not {value!r}.",
                        hint=f"Fix {self.prefix}{name} or leave it out for its default.",
                        id=declared.check_id or check_id,
                    )
                )
        return errors
