"""Issue 14: a staff member imports a CSV in the admin (Chromium, French and English, a real
Celery worker on a real Redis): uploads it, sees the guessed mapping and the preview of
every row, confirms, and watches the progress reach done; axe-core on every page."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from crm.models import Contact, Lead
from qualification.models import ImportJob
from tests.browser.axe import assert_accessible
from tests.browser.test_admin import PASSWORD, log_in
from tests.factories import UserFactory
from tests.qualification.import_files import csv_bytes, person

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]

WORDS = {
    "fr": {"upload": "Téléverser et prévisualiser", "confirm": "Confirmer", "done": "Terminée"},
    "en": {
        "upload": "Upload and preview",
        "confirm": "Confirm: import these rows",
        "done": "Finished",
    },
}


@pytest.mark.parametrize("language", ["fr", "en"])
def test_upload_preview_confirm_and_follow_the_import(
    browser, live_stack, screenshot_dir, tmp_path, language
):
    context = browser.new_context(locale=f"{language}-CA", viewport={"width": 1280, "height": 900})
    context.set_default_timeout(20_000)
    page = context.new_page()
    words = WORDS[language]
    user = UserFactory(username=f"importe-{language}", is_superuser=True)
    user.set_password(PASSWORD)
    user.save()
    log_in(page, live_stack["url"], user.username)
    hostile = person(3, Prénom="<img src=x onerror=alert(1)>", Courriel="=cmd|' /C calc'!A0")
    path = tmp_path / "liste.csv"
    path.write_bytes(csv_bytes([person(1), person(2), hostile], with_answers=True))
    dialogs: list[str] = []
    page.on("dialog", lambda dialog: (dialogs.append(dialog.message), dialog.dismiss()))

    page.goto(f"{live_stack['url']}/admin/qualification/importjob/add/")
    assert_accessible(page, context=f"import upload, {language}")
    page.screenshot(path=screenshot_dir / f"import-upload-{language}.png", full_page=True)
    page.set_input_files("#id_file", str(path))
    page.fill("#id_source", "salon-2026")
    page.click(f"input[value='{words['upload']}']")

    # The preview: the worker runs the dry run; the page follows it and reloads when done.
    expect(page.locator("#column-0")).to_be_visible()
    assert page.input_value("#column-0") == "email"
    assert page.input_value("#column-1") == "first_name"
    expect(page.locator(".qualification-import-rows tbody tr")).to_have_count(3)
    expect(page.locator(".qualification-import-error")).to_have_count(1)
    assert not Contact.objects.exists()
    assert_accessible(page, context=f"import preview, {language}")
    page.screenshot(path=screenshot_dir / f"import-preview-{language}.png", full_page=True)

    page.click(f"input[name=confirm][value^='{words['confirm']}']")
    expect(page.get_by_role("status")).to_contain_text(words["done"])
    job = ImportJob.objects.get(dry_run=False)
    assert (job.status, job.new_count, job.error_count, job.classified_count) == ("done", 2, 1, 2)
    assert page.locator("#import-progress-bar").get_attribute("value") == "100"
    assert_accessible(page, context=f"import done, {language}")
    page.screenshot(path=screenshot_dir / f"import-done-{language}.png", full_page=True)
    assert Lead.objects.exclude(recommendation="").count() == 2
    assert dialogs == []
    context.close()
