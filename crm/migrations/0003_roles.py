"""Creates the two staff roles, Sales and Reviewer, as groups with the crm permissions.

Sales does everything on the pipeline. Reviewer looks at leads, moves them along,
assigns them, sets follow-ups, reviews or overrides the recommendation with a reason
and adds activities; it cannot delete anything. The qualification app's migration
``0004_roles_rules`` adds the rules' permissions to the same groups.
"""

from django.contrib.auth.management import create_permissions
from django.db import migrations

SALES = "Sales"
REVIEWER = "Reviewer"

ALL = ("add", "change", "delete", "view")

ROLES = {
    SALES: {
        "lead": ALL + ("override_recommendation",),
        "contact": ALL,
        "company": ALL,
        "activity": ALL,
        "consent": ALL,
        "leadevent": ("view",),
    },
    REVIEWER: {
        "lead": ("view", "change", "override_recommendation"),
        "contact": ("view",),
        "company": ("view",),
        "activity": ("add", "view"),
        "consent": ("view",),
        "leadevent": ("view",),
    },
}


def codename(action: str, model: str) -> str:
    return action if action == "override_recommendation" else f"{action}_{model}"


def create_roles(apps, schema_editor):
    # Permissions are normally created after migrate (post_migrate); make them now.
    app_config = apps.get_app_config("crm")
    models_module = getattr(app_config, "models_module", None)
    app_config.models_module = True
    create_permissions(app_config, apps=apps, verbosity=0)
    app_config.models_module = models_module

    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    for role, grants in ROLES.items():
        group, _ = Group.objects.get_or_create(name=role)
        for model, actions in grants.items():
            for action in actions:
                group.permissions.add(
                    Permission.objects.get(
                        content_type__app_label="crm",
                        content_type__model=model,
                        codename=codename(action, model),
                    )
                )


def remove_roles(apps, schema_editor):
    apps.get_model("auth", "Group").objects.filter(name__in=[SALES, REVIEWER]).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("auth", "0012_alter_user_first_name_max_length"),
        ("contenttypes", "0002_remove_content_type_name"),
        ("crm", "0002_staff_profile_and_notification"),
    ]

    operations = [migrations.RunPython(create_roles, remove_roles)]
