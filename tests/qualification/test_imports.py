"""Issue 14: CSV import of leads (the service and the command; the API and the admin have
their own tests)."""

from __future__ import annotations

import csv
import io
from datetime import date, timedelta

import pytest
from django.core.management import call_command
from django.utils import timezone

from crm.models import Consent, Contact, Lead, LeadEvent
from qualification import services
from qualification.importing.reading import ImportFileError
from qualification.importing.report import report_rows, safe_csv_lines
from qualification.models import Classification, ImportJob, Submission
from tests.factories import ContactFactory
from tests.qualification.import_files import (
    HEADERS_EN,
    answer_cells,
    csv_bytes,
    person,
)

pytestmark = pytest.mark.django_db


EXPRESS_TODAY = {
    "Consentement marketing": "oui",
    "Fondement": "express",
    "Date du consentement": date.today().isoformat(),
}


def run(content: bytes, **kwargs) -> ImportJob:
    job = services.import_job_create(
        content=content, file_name="liste.csv", language="en", **kwargs
    )
    return services.import_job_run(job_id=job.pk)


def outcomes(job: ImportJob) -> dict[int, tuple[str, str]]:
    return {int(r["line"]): (r["outcome"], r["reason"]) for r in report_rows(job.report)}


def test_new_rows_with_answers_are_filed_and_classified():
    job = run(csv_bytes([person(1), person(2)], with_answers=True), source="salon-2026")
    assert job.status == "done", job.error
    assert (job.total_rows, job.new_count, job.classified_count) == (2, 2, 2)
    lead = Lead.objects.get(contact__email="personne1@example.com")
    assert lead.source == "import"
    assert lead.utm_source == "salon-2026"
    assert lead.recommendation == "fractional_cmo"
    assert lead.answers["needs"] == ["structure_team", "align_strategy"]  # questionnaire order
    submission = Submission.objects.get(lead=lead)
    assert (submission.channel, submission.status) == ("import", "classified")
    assert Classification.objects.filter(submission=submission).count() == 1
    kinds = set(LeadEvent.objects.filter(lead=lead).values_list("kind", flat=True))
    assert kinds == {"created", "classified"}
    assert outcomes(job)[2] == ("new", "Classified.")


def test_a_dry_run_changes_nothing_but_reports_every_row():
    ContactFactory(email="personne2@example.com", phone="")
    content = csv_bytes([person(1), person(2, Téléphone="514 555 0101"), person(3, Courriel="x")])
    before = (Contact.objects.count(), Lead.objects.count(), Consent.objects.count())

    job = run(content, dry_run=True)

    assert (Contact.objects.count(), Lead.objects.count(), Consent.objects.count()) == before
    assert not Submission.objects.exists()
    assert Contact.objects.get(email="personne2@example.com").phone == ""
    assert (job.new_count, job.updated_count, job.error_count) == (1, 1, 1)
    assert [outcome for outcome, _r in outcomes(job).values()] == ["new", "update", "error"]


def test_bad_rows_are_reported_with_their_line_and_reason_and_the_rest_imported():
    rows = [
        person(1),
        person(2, Courriel="pas-un-courriel"),
        person(3, Langue="de"),
        person(4, Prénom="Line\nbreak"),
        person(5),
    ]
    job = run(csv_bytes(rows, with_answers=True))
    found = outcomes(job)
    # Line 5 starts where it starts: the quoted line break makes row 4 two lines long.
    assert found[3] == ("error", "“pas-un-courriel” is not a valid e-mail address.")
    assert found[4] == ("error", "“de” is not a language: use fr or en.")
    assert found[5][0] == "error" and "one line" in found[5][1]
    assert found[7][0] == "new"
    assert (job.new_count, job.error_count) == (2, 3)
    assert not Contact.objects.filter(email__in=["pas-un-courriel"]).exists()
    assert Contact.objects.filter(email="personne5@example.com").exists()


def test_an_invalid_answer_makes_the_row_an_error_and_nothing_of_it_is_written():
    rows = [person(1, needs="align_strategy; dance"), person(2, horizon="Ongoing")]
    job = run(csv_bytes(rows, with_answers=True))
    found = outcomes(job)
    assert found[2] == ("error", "“dance” is not one of the choices of question “needs”.")
    assert not Contact.objects.filter(email="personne1@example.com").exists()
    # Choice labels in either language are taken, whatever their case.
    assert found[3][0] == "new"


def test_answers_by_label_in_french_and_english_and_incomplete_answers_are_not_classified():
    cells = answer_cells()
    cells.update(needs="Structurer l'équipe marketing; align_strategy", horizon="")
    job = run(csv_bytes([person(1, **cells)], with_answers=True))
    lead = Lead.objects.get()
    assert lead.answers["needs"] == ["structure_team", "align_strategy"]
    assert lead.recommendation == ""
    assert not Submission.objects.exists()
    assert outcomes(job)[2] == ("new", "Not classified: unanswered horizon.")


def test_a_second_import_of_the_same_file_creates_nothing():
    content = csv_bytes([person(1), person(2), person(1)], with_answers=True)
    first = run(content)
    assert (first.new_count, first.skipped_count) == (2, 1)
    assert outcomes(first)[4] == ("skip", "Same e-mail as line 2: only that row counts.")
    counts = [m.objects.count() for m in (Contact, Lead, Consent, Submission, LeadEvent)]

    second = run(content)

    assert [m.objects.count() for m in (Contact, Lead, Consent, Submission, LeadEvent)] == counts
    assert (second.new_count, second.updated_count, second.skipped_count) == (0, 0, 3)


def test_a_known_contact_is_filled_where_empty_and_never_overwritten():
    known = ContactFactory(
        email="personne1@example.com", first_name="Élise", last_name="", phone="", job_title="CEO"
    )
    known.company.website = ""
    known.company.save()
    row = person(
        1, Nom="Martel", Téléphone="514 555 0101", **{"Prénom": "Lise", "Site web": "martel.ca"}
    )
    job = run(csv_bytes([row], with_answers=True))
    known.refresh_from_db()
    known.company.refresh_from_db()
    assert (known.first_name, known.last_name, known.phone) == ("Élise", "Martel", "514 555 0101")
    assert known.company.website == "https://martel.ca"
    outcome, reason = outcomes(job)[2]
    assert outcome == "update"
    assert "First name differs (kept “Élise”, the file has “Lise”)." in reason
    assert "Answers left out" in reason
    assert not Submission.objects.exists()
    assert Lead.objects.filter(contact=known).count() == 0


def test_consents_need_a_basis_and_an_express_one_a_date():
    rows = [
        person(1, **{"Consentement marketing": "oui"}),
        person(2, **{"Consentement marketing": "oui", "Fondement": "exprès"}),
        person(3, **EXPRESS_TODAY),
        person(4, **{"Consentement marketing": "non"}),
        person(5, **{"Fondement": "implied_inquiry", "Date du consentement": "2001-01-01"}),
        person(6, **{"Consentement marketing": "oui", "Fondement": "implicite_publie"}),
    ]  # fmt: skip
    job = run(csv_bytes(rows))
    found = outcomes(job)
    assert "no basis given" in found[2][1]
    assert found[3] == (
        "error",
        "A marketing consent of basis “express” needs the date it was given.",
    )
    assert "lapsed" in found[6][1]
    marketing = dict(
        Consent.objects.filter(purpose="marketing").values_list("contact__email", "granted")
    )
    assert marketing == {
        "personne3@example.com": True,
        "personne4@example.com": False,
        "personne6@example.com": True,
    }
    express = Consent.objects.get(contact__email="personne3@example.com")
    assert express.confirmed_at.date() == date.today()
    assert express.wording_version == "import-express"


def test_a_known_person_s_consent_is_never_turned_on_but_a_withdrawal_counts():
    on = ContactFactory(email="personne1@example.com")
    Consent.objects.create(
        contact=on, purpose="marketing", granted=True, wording_version="v", wording="w",
        language="fr", confirmed_at=timezone.now() - timedelta(days=3),
    )  # fmt: skip
    ContactFactory(email="personne2@example.com")
    rows = [
        person(1, **{"Consentement marketing": "non"}),
        person(2, **EXPRESS_TODAY),
    ]  # fmt: skip
    job = run(csv_bytes(rows))
    found = outcomes(job)
    assert found[2][0] == "update" and "withdrawn" in found[2][1]
    assert found[3][0] == "skip"
    from crm.selectors import consent_in_force

    assert consent_in_force(contact_id=on.pk, purpose="marketing").granted is False
    assert not Consent.objects.filter(contact__email="personne2@example.com").exists()


def test_an_erased_person_is_not_brought_back():
    """Issue 13: a row for a person erased before is skipped and reported (the keyed hash
    of their address is all that is left of them); the others are imported."""
    from crm import selectors
    from crm import services as crm_services

    run(csv_bytes([person(1)]))
    erased = Contact.objects.get(email="personne1@example.com")
    crm_services.person_erase(contact_id=erased.pk, by=None, confirm_open_follow_ups=True)
    assert selectors.email_is_erased("personne1@example.com")

    job = run(csv_bytes([person(1), person(2)]))
    assert outcomes(job)[2] == ("skip", "Erased: this person asked to be forgotten.")
    assert not Contact.objects.filter(email="personne1@example.com").exists()
    assert Contact.objects.filter(email="personne2@example.com").exists()


def test_formula_cells_are_neutralised_in_the_error_csv():
    rows = [person(1, Courriel='=HYPERLINK("http://evil")'), person(2, Courriel="@SUM(A1)")]
    job = run(csv_bytes(rows))
    text = "".join(safe_csv_lines(job.report, outcome="error")).lstrip("\ufeff")
    lines = list(csv.reader(io.StringIO(text)))
    assert lines[0] == ["line", "outcome", "email", "reason"]
    assert lines[1][:3] == ["2", "error", '\'=hyperlink("http://evil")'] or lines[1][2].startswith(
        "'="
    )
    assert lines[2][2].startswith("'@")


def test_semicolons_windows_1252_a_bom_and_english_headers_are_read():
    rows = [
        {
            "E-mail": "zoe@example.com",
            "First name": "Zoé",
            "Company": "Café Ltée",
            "Language": "English",
        }
    ]
    content = csv_bytes(rows, HEADERS_EN, delimiter=";", encoding="cp1252")
    job = run(content)
    assert job.status == "done", job.error
    assert (job.encoding, job.delimiter) == ("windows-1252", ";")
    contact = Contact.objects.get(email="zoe@example.com")
    assert (contact.first_name, contact.company.name, contact.language) == (
        "Zoé",
        "Café Ltée",
        "en",
    )
    bom = "\ufeff".encode() + csv_bytes(rows, HEADERS_EN, delimiter="\t")
    job = run(bom)
    assert (job.encoding, job.delimiter, job.headers[0]) == ("utf-8-sig", "\t", "E-mail")


def test_huge_cells_files_and_row_counts_are_refused_with_a_reason(settings):
    settings.QUALIFICATION_IMPORT_MAX_CELL_CHARS = 100
    job = run(csv_bytes([person(1, Nom="x" * 101), person(2, Nom="y" * 200_000)]))
    found = outcomes(job)
    assert found[2] == ("error", "Column “Nom” holds more than 100 characters.")
    assert found[3][0] == "error"
    assert Contact.objects.count() == 0
    settings.QUALIFICATION_IMPORT_MAX_ROWS = 1
    job = run(csv_bytes([person(1), person(2)]))
    assert job.status == "failed" and "more than 1" in job.error
    assert Contact.objects.count() == 0
    settings.QUALIFICATION_IMPORT_MAX_BYTES = 1024
    with pytest.raises(ImportFileError, match="larger than 1024 bytes"):
        services.import_job_create(
            content=b"Courriel\n" + b"a@b.c\n" * 300, file_name="big.csv", language="en"
        )


def test_a_file_without_an_email_column_is_refused():
    with pytest.raises(ImportFileError, match="e-mail"):
        services.import_job_create(
            content=b"Nom,Entreprise\nA,B\n", file_name="x.csv", language="en"
        )
    with pytest.raises(ImportFileError, match="empty"):
        services.import_job_create(
            content=b"\xef\xbb\xbf\r\n\r\n", file_name="x.csv", language="en"
        )


def test_the_command_imports_with_a_summary_and_dry_run(tmp_path):
    path = tmp_path / "liste.csv"
    path.write_bytes(csv_bytes([person(1), person(2, Courriel="bad")], with_answers=True))
    out = io.StringIO()
    call_command("import_leads", str(path), "--dry-run", stdout=out, stderr=io.StringIO())
    assert Contact.objects.count() == 0
    assert "dry run" in out.getvalue().lower()
    out = io.StringIO()
    call_command("import_leads", str(path), "--source", "salon", stdout=out, stderr=io.StringIO())
    text = out.getvalue()
    assert "new: 1" in text and "errors: 1" in text and "classified: 1" in text
    assert "line 3" in text
    assert Lead.objects.get().utm_source == "salon"


def test_an_erasure_empties_the_import_files_that_name_the_person():
    """Issue 13: an import's file and report hold every row's address; the person's
    erasure empties those that name them (the counts stay)."""
    from crm import services as crm_services

    job = run(csv_bytes([person(1), person(2)]))
    other = run(csv_bytes([person(3)]))
    erased = Contact.objects.get(email="personne1@example.com")
    crm_services.person_erase(contact_id=erased.pk, by=None, confirm_open_follow_ups=True)

    job.refresh_from_db()
    other.refresh_from_db()
    assert (bytes(job.content), job.report) == (b"", "")
    assert "personne1" not in job.file_name
    assert job.new_count == 2  # the facts stay
    assert b"personne3@example.com" in bytes(other.content).lower() and other.report


def test_old_import_files_are_emptied_by_the_retention_task():
    from datetime import timedelta

    from django.utils import timezone

    from crm.services.retention import retention_apply, retention_plan

    job = run(csv_bytes([person(1)]))
    ImportJob.objects.filter(pk=job.pk).update(created_at=timezone.now() - timedelta(days=31))
    plan = retention_plan(now=timezone.now())
    assert job.pk in plan.items["qualification.import_files"]
    assert retention_apply(plan)["qualification.import_files"] == 1
    job.refresh_from_db()
    assert (bytes(job.content), job.report, job.new_count) == (b"", "", 1)
