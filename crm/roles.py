"""Give the Sales and Reviewer groups (made by migration ``crm`` 0003) the permissions on
models that later migrations add. Used by those migrations' ``RunPython`` steps, so it
must keep working with the historical models ``apps`` gives it."""

from __future__ import annotations


def grant_permissions(apps, app_label: str, grants: dict[str, dict[str, list[str]]]) -> None:
    """``grants``: ``{group name: {model name: [action, ...]}}`` (actions: add, change,
    delete, view). A group that does not exist (a host without the roles) is skipped."""
    from django.contrib.auth.management import create_permissions

    app_config = apps.get_app_config(app_label)
    models_module = getattr(app_config, "models_module", None)
    app_config.models_module = True  # create_permissions skips an app without models
    create_permissions(app_config, apps=apps, verbosity=0)
    app_config.models_module = models_module
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    for role, models in grants.items():
        group = Group.objects.filter(name=role).first()
        if group is None:
            continue
        for model, actions in models.items():
            group.permissions.add(
                *Permission.objects.filter(
                    content_type__app_label=app_label,
                    content_type__model=model,
                    codename__in=[f"{action}_{model}" for action in actions],
                )
            )
