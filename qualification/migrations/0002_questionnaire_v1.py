"""Loads questionnaire version 1 (keys from the contract, labels in French and English)."""

import json
from pathlib import Path

from django.db import migrations

V1 = Path(__file__).resolve().parent.parent / "questionnaires" / "v1.json"


def load_v1(apps, schema_editor):
    Questionnaire = apps.get_model("qualification", "Questionnaire")
    Question = apps.get_model("qualification", "Question")
    Choice = apps.get_model("qualification", "Choice")
    data = json.loads(V1.read_text(encoding="utf-8"))
    questionnaire, created = Questionnaire.objects.get_or_create(
        version=data["version"],
        defaults={"title_fr": data["title_fr"], "title_en": data["title_en"], "is_published": True},
    )
    if not created:
        return
    for position, q in enumerate(data["questions"], start=1):
        question = Question.objects.create(
            questionnaire=questionnaire,
            position=position,
            **{k: v for k, v in q.items() if k != "choices"},
        )
        Choice.objects.bulk_create(
            Choice(question=question, position=i, **c) for i, c in enumerate(q["choices"], start=1)
        )


def unload_v1(apps, schema_editor):
    apps.get_model("qualification", "Questionnaire").objects.filter(version=1).delete()


class Migration(migrations.Migration):
    dependencies = [("qualification", "0001_initial")]

    operations = [migrations.RunPython(load_v1, unload_v1)]
