"""``DJANGO_EMAIL_URL=filemail://<dir>`` writes the e-mails where it says (issue 12's check
follows the e-mails a stack wrote): an absolute folder stays absolute."""

from __future__ import annotations

import subprocess
import sys

import pytest

from config.env import email_config
from tests.conftest import subprocess_env


@pytest.mark.parametrize(
    ("url", "folder"),
    [("filemail:///tmp/mails", "/tmp/mails"), ("filemail://mails/out", "mails/out")],
)
def test_the_file_backend_writes_where_the_url_says(monkeypatch, url, folder):
    monkeypatch.setenv("DJANGO_EMAIL_URL", url)
    config = email_config()
    assert config["EMAIL_BACKEND"] == "django.core.mail.backends.filebased.EmailBackend"
    assert config["EMAIL_FILE_PATH"] == folder


def test_the_settings_take_it_from_the_environment(tmp_path):
    code = "from django.conf import settings; print(settings.EMAIL_FILE_PATH)"
    out = subprocess.run(
        [sys.executable, "-c", f"import django; django.setup(); {code}"],
        env=subprocess_env(
            DJANGO_EMAIL_URL=f"filemail://{tmp_path}",
            DJANGO_SETTINGS_MODULE="config.settings.local",
        ),
        capture_output=True,
        text=True,
        check=True,
    )
    assert out.stdout.strip() == str(tmp_path)
