"""Gives the Sales and Reviewer groups (crm's ``0003_roles``) their rights on the rules.

Sales may write rulesets and read submissions and classifications; Reviewer only
reads submissions and classifications, never edits a ruleset.
"""

from django.contrib.auth.management import create_permissions
from django.db import migrations

GRANTS = {
    "Sales": {
        "ruleset": ("add", "change", "view"),
        "submission": ("view",),
        "classification": ("view",),
    },
    "Reviewer": {
        "submission": ("view",),
        "classification": ("view",),
    },
}


def grant(apps, schema_editor):
    app_config = apps.get_app_config("qualification")
    models_module = getattr(app_config, "models_module", None)
    app_config.models_module = True
    create_permissions(app_config, apps=apps, verbosity=0)
    app_config.models_module = models_module

    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    for role, grants in GRANTS.items():
        group, _ = Group.objects.get_or_create(name=role)
        for model, actions in grants.items():
            for action in actions:
                group.permissions.add(
                    Permission.objects.get(
                        content_type__app_label="qualification",
                        content_type__model=model,
                        codename=f"{action}_{model}",
                    )
                )


def revoke(apps, schema_editor):
    Group = apps.get_model("auth", "Group")
    for group in Group.objects.filter(name__in=GRANTS):
        group.permissions.remove(
            *group.permissions.filter(content_type__app_label="qualification")
        )


class Migration(migrations.Migration):
    dependencies = [
        ("qualification", "0003_ruleset_v1"),
        ("crm", "0003_roles"),
    ]

    operations = [migrations.RunPython(grant, revoke)]
