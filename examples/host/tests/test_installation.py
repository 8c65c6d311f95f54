"""The apps come from the installed wheel, migrate from zero, and pass the deploy checks."""

from __future__ import annotations

import importlib.metadata
import os
import secrets
import subprocess
import sys
from pathlib import Path

import crm
import qualification

from tests.conftest import HOST_DIR


def manage(*args: str, **env: str) -> subprocess.CompletedProcess:
    """``manage.py`` as the site runs it: its own settings, not the tests'."""
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=HOST_DIR,
        env={**os.environ, "DJANGO_SETTINGS_MODULE": "practice_site.settings", **env},
        capture_output=True,
        text=True,
        timeout=240,
    )


def test_the_apps_are_the_installed_distribution_not_the_repository():
    files = importlib.metadata.distribution("cmo-leads").files
    installed = {Path(file.locate()).resolve() for file in files}
    for app in (crm, qualification):
        assert Path(app.__file__).resolve() in installed
        assert "site-packages" in Path(app.__file__).parts


def test_migrate_from_zero_loads_the_questionnaire_and_ruleset(tmp_path):
    database = {"SQLITE_PATH": str(tmp_path / "fresh.sqlite3")}
    migrated = manage("migrate", "--noinput", **database)
    assert migrated.returncode == 0, migrated.stdout + migrated.stderr

    counted = manage(
        "shell",
        "--verbosity",
        "0",
        "-c",
        "from qualification.models import Questionnaire, Ruleset;"
        "print(Questionnaire.objects.count(), Ruleset.objects.count())",
        **database,
    )
    assert counted.returncode == 0, counted.stderr
    assert counted.stdout.split() == ["1", "1"]
    pending = manage("migrate", "--check", **database)
    assert pending.returncode == 0, pending.stdout + pending.stderr


def test_the_apps_need_no_migration_for_a_custom_user_model(tmp_path):
    result = manage(
        "makemigrations",
        "--check",
        "--dry-run",
        "crm",
        "qualification",
        SQLITE_PATH=str(tmp_path / "empty.sqlite3"),
    )
    assert result.returncode == 0, result.stdout + result.stderr


def test_check_deploy_passes_with_production_settings(tmp_path):
    result = manage(
        "check",
        "--deploy",
        "--fail-level",
        "WARNING",
        DJANGO_SETTINGS_MODULE="practice_site.settings_production",
        SECRET_KEY=secrets.token_urlsafe(64),
        SQLITE_PATH=str(tmp_path / "empty.sqlite3"),
        ALLOWED_HOSTS="leads.practice.example",
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout
