"""The apps' test suite (tests/, with config/'s test settings) on each supported Django.

    nox -s django-5.2 django-6.0       # both; arguments after -- go to pytest
    nox -s django-6.0 -- -m "not browser"

Django 5.2 LTS runs on Python 3.11 with the pinned dependencies (constraints.txt); Django
6.0 on Python 3.12, installed over the same pins. Each session has its own SQLite test
database, so sessions and a developer's ./scripts/test never share one.
"""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import nox

nox.options.default_venv_backend = "venv"
nox.options.error_on_missing_interpreters = True
nox.options.sessions = ["django-5.2", "django-6.0"]


def make_findable(version: str) -> None:
    """Puts pyenv's python<version> on the PATH when its shim does not answer (pyenv
    enables one version at a time), so that nox finds it."""
    found = shutil.which(f"python{version}")
    if found and subprocess.run([found, "--version"], capture_output=True).returncode == 0:
        return
    pyenv_root = Path(os.environ.get("PYENV_ROOT", Path.home() / ".pyenv"))
    candidates = sorted(pyenv_root.glob(f"versions/{version}.*/bin/python{version}"))
    if candidates:
        os.environ["PATH"] = f"{candidates[-1].parent}{os.pathsep}{os.environ['PATH']}"


for _version in ("3.11", "3.12"):
    make_findable(_version)


def run_suite(session: nox.Session, django: str | None) -> None:
    session.install("-c", "constraints.txt", "-e", ".[dev]")
    if django:
        session.install(f"Django{django}")
    session.run("python", "-c", "import django; print('Django', django.get_version())")
    session.run("python", "-m", "config.devservices", "compilemessages")
    database = Path(session.create_tmp()).resolve() / "test.sqlite3"
    session.run(
        "python",
        "-m",
        "pytest",
        *session.posargs,
        env={"TEST_SQLITE_PATH": str(database)},
    )


@nox.session(name="django-5.2", python="3.11")
def django_52(session: nox.Session) -> None:
    """Django 5.2 LTS on Python 3.11, every dependency as pinned."""
    run_suite(session, django=None)


@nox.session(name="django-6.0", python="3.12")
def django_60(session: nox.Session) -> None:
    """Django 6.0 on Python 3.12, the other dependencies as pinned."""
    run_suite(session, django="~=6.0.0")
