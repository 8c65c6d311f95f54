"""Which column of the file holds what: guessed from French or English headers, then
checked (staff may change it in the admin before confirming).

A mapping is a list with one target per column: a field name below, ``answer:<key>``
for a question of the questionnaire, or ``""`` for a column left out.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Sequence

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from ..models import Questionnaire

#: The fields an import reads, with their label (for the admin's select) and the
#: headers that name them, as normalized by :func:`normalize` (accents, case and
#: punctuation do not count: "Prénom", "PRENOM" and "prénom :" are the same).
FIELDS: dict[str, tuple[object, tuple[str, ...]]] = {
    "email": (
        gettext_lazy("E-mail"),
        ("courriel", "email", "e mail", "mail", "adresse courriel", "adresse electronique",
         "adresse de courriel", "email address", "e mail address", "courriel professionnel"),
    ),
    "first_name": (
        gettext_lazy("First name"),
        ("prenom", "first name", "firstname", "given name", "prenom du contact"),
    ),
    "last_name": (
        gettext_lazy("Last name"),
        ("nom", "nom de famille", "last name", "lastname", "surname", "family name"),
    ),
    "phone": (
        gettext_lazy("Phone"),
        ("telephone", "tel", "phone", "phone number", "numero de telephone", "cellulaire",
         "mobile", "telephone mobile"),
    ),
    "job_title": (
        gettext_lazy("Job title"),
        ("titre", "poste", "fonction", "titre du poste", "job title", "title", "position"),
    ),
    "language": (gettext_lazy("Language"), ("langue", "language", "lang", "langue parlee")),
    "company_name": (
        gettext_lazy("Company"),
        ("entreprise", "societe", "organisation", "organization", "organisation name",
         "company", "company name", "nom de l entreprise", "employeur", "employer"),
    ),
    "company_website": (
        gettext_lazy("Company website"),
        ("site web", "site internet", "site", "website", "web site", "url", "web"),
    ),
    "utm_source": (gettext_lazy("UTM source"), ("utm source", "source utm")),
    "utm_medium": (gettext_lazy("UTM medium"), ("utm medium", "medium utm", "support utm")),
    "utm_campaign": (
        gettext_lazy("UTM campaign"),
        ("utm campaign", "campagne utm", "campagne", "campaign"),
    ),
    "referrer": (gettext_lazy("Referrer"), ("referent", "referrer", "referer", "provenance")),
    "contact_consent": (
        gettext_lazy("Consent to be contacted"),
        ("consentement contact", "consentement a etre contacte", "contact consent",
         "consent contact", "consent to be contacted"),
    ),
    "marketing_consent": (
        gettext_lazy("Marketing consent"),
        ("consentement marketing", "consentement infolettre", "infolettre", "newsletter",
         "marketing consent", "consent marketing", "consentement courriel marketing"),
    ),
    "marketing_basis": (
        gettext_lazy("Marketing consent basis (CASL)"),
        ("fondement", "fondement du consentement", "base du consentement", "type de consentement",
         "consent basis", "marketing basis", "basis", "consent type", "marketing consent basis"),
    ),
    "marketing_date": (
        gettext_lazy("Marketing consent date"),
        ("date du consentement", "date consentement", "date de consentement", "consent date",
         "marketing consent date", "date consentement marketing"),
    ),
}  # fmt: skip

ANSWER_PREFIX = "answer:"


def normalize(text: str) -> str:
    """A header as compared: no accents, lower case, words separated by one space."""
    decomposed = unicodedata.normalize("NFKD", text or "")
    plain = "".join(char for char in decomposed if not unicodedata.combining(char)).lower()
    return " ".join(re.sub(r"[^0-9a-z]+", " ", plain).split())


def targets(questionnaire: Questionnaire) -> list[tuple[str, str]]:
    """Every target a column can have, ``(value, label)``, in the staff's language."""
    choices = [(name, str(label)) for name, (label, _aliases) in FIELDS.items()]
    choices += [
        (
            f"{ANSWER_PREFIX}{question.key}",
            _("Answer: %(question)s") % {"question": question.label()},
        )
        for question in questionnaire.questions.all()
    ]
    return choices


def _names(questionnaire: Questionnaire) -> dict[str, str]:
    names = {}
    for question in questionnaire.questions.all():
        target = f"{ANSWER_PREFIX}{question.key}"
        for name in (question.key, question.label_fr, question.label_en):
            for prefix in ("", "q ", "question ", "answer ", "reponse "):
                names.setdefault(prefix + normalize(name), target)
    for field, (_label, aliases) in FIELDS.items():
        names[normalize(field)] = field
        for alias in aliases:
            names[alias] = field
    return names


def guess(headers: Sequence[str], questionnaire: Questionnaire) -> list[str]:
    """The target of each header, ``""`` when none fits; a target goes to its first column."""
    names = _names(questionnaire)
    taken: set[str] = set()
    mapping = []
    for header in headers:
        target = names.get(normalize(header), "")
        if target in taken:
            target = ""
        taken.add(target)
        mapping.append(target)
    return mapping


def problems(mapping: Sequence[str], headers: Sequence[str], questionnaire: Questionnaire):
    """What is wrong with a mapping (in the staff's language); empty when it can be used."""
    found = []
    if len(mapping) != len(headers):
        return [_("Give one choice for each column of the file.")]
    known = {value for value, _label in targets(questionnaire)}
    seen: dict[str, str] = {}
    for header, target in zip(headers, mapping, strict=True):
        if not target:
            continue
        if target not in known:
            found.append(_("“%(target)s” is not something a column can hold.") % {"target": target})
        elif target in seen:
            found.append(
                _("Columns “%(first)s” and “%(second)s” are both mapped to the same field.")
                % {"first": seen[target], "second": header}
            )
        seen.setdefault(target, header)
    if "email" not in mapping:
        found.append(_("Choose the column that holds the e-mail address: rows are matched on it."))
    return found
