"""Text that comes from outside: what can be stored, encoded and shown, checked in one place.

Two kinds of character break things far from where they came in:

- a lone surrogate (U+D800 to U+DFFF on its own, which JSON's ``"\\udfff"`` escape can
  carry) cannot be encoded as UTF-8, so every page or API answer that shows it fails;
- NUL (U+0000) is refused by PostgreSQL in text and in JSON, and cut short by C code.

:func:`unstorable` finds them; :func:`problems` walks parsed JSON (keys included) and
says where each one is, so the API can refuse the body with field-level errors;
:func:`repaired` is what a migration uses to mend rows stored before they were refused.
Other control characters are a matter for each field (see :func:`has_control_characters`).
"""

from __future__ import annotations

import unicodedata
from typing import Any

REPLACEMENT = "\ufffd"
#: Line breaks and tabs are part of free text; every other control character is not.
TEXT_WHITESPACE = frozenset("\t\n\r")


def _is_surrogate(char: str) -> bool:
    return "\ud800" <= char <= "\udfff"


def unstorable(value: str) -> bool:
    """Whether ``value`` holds a lone surrogate or NUL (it could not be stored or shown)."""
    return "\x00" in value or any(_is_surrogate(char) for char in value)


def has_control_characters(value: str, *, allowed: frozenset[str] = TEXT_WHITESPACE) -> bool:
    """Whether ``value`` holds a control character (Unicode category Cc) or a surrogate,
    other than those ``allowed`` (by default tab, line feed and carriage return)."""
    if value.isprintable():  # the common case, in C: no Cc or Cs character at all
        return False
    return any(
        (unicodedata.category(char) in ("Cc", "Cs")) and char not in allowed for char in value
    )


def without_control_characters(value: str, *, allowed: frozenset[str] = TEXT_WHITESPACE) -> str:
    """``value`` with every control character and surrogate but ``allowed`` removed."""
    if not has_control_characters(value, allowed=allowed):
        return value
    return "".join(
        char for char in value if char in allowed or unicodedata.category(char) not in ("Cc", "Cs")
    )


def problems(data: Any, message: str) -> dict | list | None:
    """Where ``data`` (parsed JSON) holds unstorable text: errors shaped like the data.

    A bad value gets ``[message]`` at its place (``{"answers": {"context": [message]}}``);
    a bad key gets it under the key as it would be shown (made storable). None when
    everything is fine. Iterative over the containers, so no depth can exhaust the stack.
    """
    found: dict[str, Any] = {}
    # (value, path) pairs; a path is the chain of keys (str) and list indexes (as str).
    stack: list[tuple[Any, tuple[str, ...]]] = [(data, ())]
    hits: list[tuple[str, ...]] = []
    while stack:
        value, path = stack.pop()
        if isinstance(value, str):
            if unstorable(value):
                hits.append(path)
        elif isinstance(value, dict):
            for key, child in value.items():
                key_text = str(key)
                if unstorable(key_text):
                    hits.append((*path, repaired(key_text)))
                else:
                    stack.append((child, (*path, key_text)))
        elif isinstance(value, list):
            stack.extend((child, (*path, str(index))) for index, child in enumerate(value))
    if not hits:
        return None
    for path in hits:
        if not path:
            return [message]
        node = found
        for part in path[:-1]:
            child = node.get(part)
            if not isinstance(child, dict):
                child = node[part] = {}
            node = child
        node[path[-1]] = [message]
    return found


def repaired(value: Any) -> Any:
    """``value`` (text or JSON data) with lone surrogates replaced by U+FFFD and NUL removed,
    keys included; anything else as it was."""
    if isinstance(value, str):
        if not unstorable(value):
            return value
        return "".join(
            REPLACEMENT if _is_surrogate(char) else char for char in value if char != "\x00"
        )
    if isinstance(value, dict):
        return {
            repaired(key) if isinstance(key, str) else key: repaired(v) for key, v in value.items()
        }
    if isinstance(value, list):
        return [repaired(item) for item in value]
    return value


def cleaned(value: Any) -> Any:
    """``value`` (text or JSON data, keys included) made storable, with every control
    character removed: what is kept of input nobody vouches for (spam)."""
    if isinstance(value, str):
        return without_control_characters(repaired(value), allowed=frozenset())
    if isinstance(value, dict):
        return {cleaned(key): cleaned(item) for key, item in value.items()}
    if isinstance(value, list):
        return [cleaned(item) for item in value]
    return value
