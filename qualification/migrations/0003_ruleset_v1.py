"""Loads ruleset version 1 (rulesets/v1.json), published: the weights the practice starts with."""

import json
from pathlib import Path

from django.db import migrations
from django.utils import timezone

V1 = Path(__file__).resolve().parent.parent / "rulesets" / "v1.json"


def load_v1(apps, schema_editor):
    Ruleset = apps.get_model("qualification", "Ruleset")
    data = json.loads(V1.read_text(encoding="utf-8"))
    version = data.pop("version")
    notes = data.pop("notes", "")
    Ruleset.objects.get_or_create(
        version=version,
        defaults={
            "status": "published",
            "weights": data,
            "notes": notes,
            "published_at": timezone.now(),
        },
    )


def unload_v1(apps, schema_editor):
    Ruleset = apps.get_model("qualification", "Ruleset")
    Ruleset.objects.filter(version=1, status="published").delete()


class Migration(migrations.Migration):
    dependencies = [("qualification", "0002_questionnaire_v1")]

    operations = [migrations.RunPython(load_v1, unload_v1)]
