"""Validating a public post with one DRF serializer per thread, reused: the one place the
intake reaches into DRF's internals for speed (issue 11).

DRF builds a serializer's fields (here five nested serializers and twenty fields) by
deep-copying them for every new instance. Reusing one per thread and language, reset
to a new one's state between posts, cuts validation from 0.51 ms to 0.19 ms a post, on
a post of 2.81 ms in all (``python -m bench.profile_intake``; ``bench/RESULTS.md``,
"Framework internals kept").

What it depends on in DRF (``rest_framework.serializers.BaseSerializer``): the
attributes ``initial_data``, ``_context``, ``_kwargs["data"]`` and the cached
``_validated_data``, ``_errors`` and ``_data``. ``tests/qualification/
test_intake_validation.py`` compares its answers with a new serializer's on valid and
invalid posts, in both languages, and checks that no prospect's data stays in the
thread: a DRF change to those attributes fails those tests.
"""

from __future__ import annotations

import threading
from typing import Any

from django.utils import translation

from .models import Questionnaire
from .serializers import SubmissionInSerializer

_per_thread = threading.local()


def submission_validate(
    data: Any, *, questionnaire: Questionnaire
) -> tuple[dict[str, Any] | None, dict[str, Any]]:
    """Check a posted submission: ``(validated data, {})``, or ``(None, field errors)``.

    What ``SubmissionInSerializer(data=..., context=...).is_valid()`` does, with one
    serializer per thread used again and again: DRF builds a serializer's fields (here
    five nested serializers and twenty fields) by deep-copying them for every new
    instance, which was a third of a public post's validation time. A used serializer
    is reset to a new one's state (its data, context, errors and results, the
    attributes DRF's ``BaseSerializer`` keeps them in); its fields keep no state of
    their own from one validation to the next but the wording of a few messages.
    """
    context = {"questionnaire": questionnaire}
    # One per language too: DRF words some messages once, in the language active the
    # first time they are shown (the length limits' ``lazy_format``), and keeps them.
    serializers_here = _per_thread.__dict__.setdefault("submission", {})
    language = translation.get_language()
    serializer = serializers_here.get(language)
    if serializer is None:
        serializer = serializers_here[language] = SubmissionInSerializer(data=data, context=context)
    else:
        serializer.initial_data = data
        serializer._context = context
        for name in ("_validated_data", "_errors", "_data"):
            serializer.__dict__.pop(name, None)
    try:
        if serializer.is_valid():
            return serializer.validated_data, {}
        return None, serializer.errors
    finally:
        # Keep no prospect's data in the thread between posts.
        serializer.initial_data = None
        serializer._kwargs.pop("data", None)
        for name in ("_validated_data", "_errors", "_data"):
            serializer.__dict__.pop(name, None)
