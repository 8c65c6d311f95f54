"""Demo prospects for ``seed_demo``: who they are, what they answer, how their story goes.

Plain data and functions over a ``random.Random``, no database: each kind of prospect
(an archetype) answers questionnaire v1 the way the seed document's engagement models
say (a clear consultant mandate, a clear fractional-CMO need, an advisor, an interim
director, a full-time hire, or answers that contradict each other). The texts are what
prospects and staff would have typed: data in the lead's language, not interface
strings, so they are not translated.
"""

from __future__ import annotations

import random
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from django.utils import timezone
from django.utils.text import slugify

from crm.models import Activity, Recommendation, Stage

#: Share of leads in French; the rest are in English.
FRENCH_SHARE = 0.7
#: Leads are spread over this many days before now.
SPREAD_DAYS = 90

# --- Staff ---------------------------------------------------------------------------


@dataclass(frozen=True)
class DemoStaff:
    username: str
    first_name: str
    last_name: str
    group: str
    language: str


DEMO_STAFF = (
    DemoStaff("isabelle.gagnon", "Isabelle", "Gagnon", "Sales", "fr"),
    DemoStaff("marc.bouchard", "Marc", "Bouchard", "Sales", "fr"),
    DemoStaff("emily.clarke", "Emily", "Clarke", "Reviewer", "en"),
)

# --- Who the prospects are -------------------------------------------------------------

FR_FIRST_NAMES = (
    ("Marie", "f"), ("Julie", "f"), ("Isabelle", "f"), ("Nathalie", "f"), ("Geneviève", "f"),
    ("Catherine", "f"), ("Véronique", "f"), ("Mélanie", "f"), ("Josée", "f"), ("Chantal", "f"),
    ("Karine", "f"), ("Émilie", "f"), ("Audrey", "f"), ("Marie-Ève", "f"), ("Valérie", "f"),
    ("Sophie", "f"), ("Maude", "f"), ("Annie", "f"), ("Jean-François", "m"), ("Martin", "m"),
    ("Stéphane", "m"), ("Éric", "m"), ("Patrick", "m"), ("Sylvain", "m"), ("Mathieu", "m"),
    ("Simon", "m"), ("François", "m"), ("Luc", "m"), ("Alexandre", "m"), ("Guillaume", "m"),
    ("Maxime", "m"), ("Sébastien", "m"), ("Marc-André", "m"), ("Philippe", "m"),
    ("Benoît", "m"), ("Yannick", "m"),
)  # fmt: skip
FR_LAST_NAMES = (
    "Tremblay", "Gagnon", "Roy", "Côté", "Bouchard", "Gauthier", "Morin", "Lavoie", "Fortin",
    "Gagné", "Ouellet", "Pelletier", "Bélanger", "Lévesque", "Bergeron", "Leblanc", "Paquette",
    "Girard", "Simard", "Boucher", "Caron", "Beaulieu", "Cloutier", "Dubé", "Poirier",
    "Fournier", "Lapointe", "Leclerc", "Thibault", "St-Pierre", "Nadeau", "Martel", "Hébert",
    "Desjardins", "Lachance", "Vachon",
)  # fmt: skip
EN_FIRST_NAMES = (
    ("Sarah", "f"), ("Emily", "f"), ("Jessica", "f"), ("Jennifer", "f"), ("Amanda", "f"),
    ("Laura", "f"), ("Rachel", "f"), ("Megan", "f"), ("Heather", "f"), ("Olivia", "f"),
    ("Michael", "m"), ("David", "m"), ("James", "m"), ("Ryan", "m"), ("Kevin", "m"),
    ("Andrew", "m"), ("Daniel", "m"), ("Matthew", "m"), ("Jason", "m"), ("Liam", "m"),
)  # fmt: skip
EN_LAST_NAMES = (
    "Smith", "Brown", "Wilson", "MacDonald", "Campbell", "Anderson", "Taylor", "Stewart",
    "Murphy", "Thompson", "Young", "Scott", "Reid", "Fraser", "Mitchell", "Kelly", "Morrison",
    "Walsh", "Graham", "O'Brien", "Ross", "Bennett", "Hughes", "Sinclair",
)  # fmt: skip

FR_COMPANIES = (
    "Boulangerie {last}", "Construction {last} inc.", "Groupe {last}", "{last} & Associés CPA",
    "Érablière de {place}", "Logiciels {word}", "Clinique dentaire {place}",
    "Quincaillerie {last}", "Transport {last} ltée", "Microbrasserie de {place}",
    "Studio {word}", "Technologies {word} inc.", "Meubles {last}", "Cabinet {last} avocats",
    "Voyages {word}", "Fromagerie de {place}", "Usinage {last} inc.", "Immobilier {place}",
    "Solutions {word}", "Café {word}", "Vignoble de {place}", "Pharmacie {last}",
)  # fmt: skip
EN_COMPANIES = (
    "{last} Manufacturing Ltd.", "{word} Software Inc.", "{last} & Partners",
    "{place} Dental Clinic", "{word} Analytics", "{last} Logistics", "{place} Brewing Co.",
    "Northern {word} Inc.", "{last} Home Renovations", "{word} Labs", "{place} Physiotherapy",
)  # fmt: skip
FR_PLACES = (
    "Beauce", "Charlevoix", "Lanaudière", "Mauricie", "Saguenay", "l'Estrie", "Gaspésie",
    "Montérégie", "Lévis", "Rimouski", "Trois-Rivières", "Laval", "Gatineau", "Québec",
    "Boucherville", "Saint-Hyacinthe", "Sherbrooke", "Rouyn-Noranda",
)  # fmt: skip
EN_PLACES = (
    "Pointe-Claire", "Westmount", "Lakeshore", "Beaconsfield", "Hudson", "Knowlton",
    "Montreal West", "Eastern Townships",
)  # fmt: skip
COMPANY_WORDS = (
    "Nordik", "Boréal", "Horizon", "Alto", "Pivot", "Lumina", "Zénith", "Cèdre", "Azimut",
    "Orbite", "Nova", "Vertex", "Sillon", "Kestrel", "Polaris", "Héron",
)  # fmt: skip

FR_TITLES = {
    "owner_or_ceo": {
        "f": ("Présidente", "Propriétaire", "Directrice générale", "Cofondatrice"),
        "m": ("Président", "Propriétaire", "Directeur général", "Cofondateur"),
    },
    "executive": {
        "f": ("Vice-présidente ventes", "Directrice des opérations", "Vice-présidente finances"),
        "m": ("Vice-président ventes", "Directeur des opérations", "Vice-président finances"),
    },
    "manager": {
        "f": ("Gestionnaire marketing", "Coordonnatrice marketing",
              "Responsable des communications"),
        "m": ("Gestionnaire marketing", "Coordonnateur marketing",
              "Responsable des communications"),
    },
    "other": {"f": ("Adjointe à la direction",), "m": ("Adjoint à la direction",)},
}  # fmt: skip
EN_TITLES = {
    "owner_or_ceo": ("President", "Owner", "CEO", "Co-founder"),
    "executive": ("VP Sales", "COO", "CFO"),
    "manager": ("Marketing Manager", "Communications Coordinator"),
    "other": ("Executive Assistant", "Business Analyst"),
}
AREA_CODES = {"fr": ("514", "438", "450", "418", "819", "581"), "en": ("514", "438", "819")}

# Documentation address ranges (RFC 5737) and two ordinary browsers.
IP_PREFIXES = ("192.0.2.", "198.51.100.", "203.0.113.")
USER_AGENTS = (
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) "
    "Chrome/131.0 Safari/537.36",
    "Mozilla/5.0 (Macintosh; Intel Mac OS X 14_6) AppleWebKit/605.1.15 (KHTML, like Gecko) "
    "Version/18.1 Safari/605.1.15",
)


@dataclass(frozen=True)
class Source:
    """Where a lead came from: the channel and the UTM tags of the link they followed."""

    weight: int
    channel: str
    utm_source: str = ""
    utm_medium: str = ""
    campaigns: tuple[str, ...] = ("",)
    referrer: str = ""


SOURCES = (
    Source(30, "web_form", "linkedin", "social", ("cmo-vs-consultant", "temoignages"),
           "https://www.linkedin.com/"),
    Source(22, "web_form", "google", "cpc", ("cmo-fractionnel", "consultant-marketing"),
           "https://www.google.com/"),
    Source(14, "web_form", "newsletter", "email", ("infolettre-mensuelle", "webinaire-croissance")),
    Source(14, "api", "referral", "partner", ("chambre-de-commerce", "reseau-cpa"),
           "https://partenaires.example/"),
    Source(20, "web_form"),  # typed the address, no tags
)  # fmt: skip

# --- What they answer ------------------------------------------------------------------

CONSULTANT_NEEDS = ("fix_specific_problem", "launch_campaign", "optimize_channel", "implement_tool")
CMO_NEEDS = ("structure_team", "align_strategy", "sustainable_growth", "develop_team_skills")


@dataclass(frozen=True)
class Archetype:
    """One kind of prospect, after the seed document's table of engagement models.

    ``answers`` gives, per question about the role, the choices this prospect picks
    among (a choice repeated weighs more); ``twists`` are answer sets of which one is
    laid over the rest (the contradictions of the mixed prospect).
    """

    name: str
    weight: int
    needs: tuple[str, ...]
    needs_count: tuple[int, int]
    answers: dict[str, tuple[str, ...]]
    context: dict[str, tuple[str, ...]]
    twists: tuple[dict[str, str], ...] = ()


ARCHETYPES = (
    Archetype(
        "consultant",
        30,
        needs=CONSULTANT_NEEDS,
        needs_count=(1, 2),
        answers={
            "horizon": ("weeks", "quarter", "quarter"),
            "involvement": ("execute_mandate",),
            "represent_company": ("no",),
            "supervise_team": ("no",),
            "time_commitment": ("few_days_total", "few_days_total", "one_or_two_days_week"),
            "marketing_team_size": ("none", "one_or_two", "three_to_ten"),
            "marketing_leader": ("in_place",),
            "strategy_state": ("documented_solid", "informal"),
        },
        context={
            "fr": (
                "Notre taux de conversion a chuté depuis la refonte du site. On veut "
                "comprendre pourquoi et corriger le tir avant la haute saison.",
                "On lance un nouveau produit au printemps et il nous faut une campagne "
                "clé en main. Notre directrice marketing pilotera le tout.",
                "Nous voulons implanter HubSpot et automatiser nos courriels de relance, "
                "puis que notre équipe prenne le relais.",
                "Nos campagnes Google Ads coûtent de plus en plus cher pour les mêmes résultats.",
            ),
            "en": (
                "Our conversion rate dropped after the website redesign. We need someone "
                "to find out why and fix it before our busy season.",
                "We are launching a new product line in the spring and need a turnkey "
                "campaign. Our marketing director will oversee it.",
                "We want HubSpot set up with automated follow-up e-mails, then handed over "
                "to our team.",
            ),
        },
    ),
    Archetype(
        "fractional_cmo",
        30,
        needs=CMO_NEEDS,
        needs_count=(2, 3),
        answers={
            "horizon": ("ongoing", "ongoing", "half_year"),
            "involvement": ("join_leadership", "lead_marketing"),
            "represent_company": ("yes",),
            "supervise_team": ("yes",),
            "time_commitment": ("one_or_two_days_week",),
            "marketing_team_size": ("one_or_two", "three_to_ten"),
            "marketing_leader": ("none", "none", "departed_or_leave"),
            "strategy_state": ("none_or_fragile", "informal"),
        },
        context={
            "fr": (
                "Nous grandissons vite et le marketing ne suit plus. Personne ne fait le "
                "lien entre nos objectifs d'affaires et ce que fait l'équipe.",
                "On a deux personnes en marketing qui font de leur mieux, mais sans "
                "direction. Il nous faut quelqu'un au comité de direction.",
                "Nous préparons une expansion en Ontario et voulons bâtir un marketing "
                "solide pour les trois prochaines années.",
            ),
            "en": (
                "We are growing fast and marketing can't keep up. Nobody connects our "
                "business goals with what the team does day to day.",
                "Two people do marketing as best they can, with no direction. We need "
                "someone on the leadership team.",
            ),
        },
    ),
    Archetype(
        "advisor",
        10,
        needs=("align_strategy", "fix_specific_problem", "optimize_channel"),
        needs_count=(1, 1),
        answers={
            "horizon": ("half_year", "ongoing"),
            "involvement": ("occasional_advice",),
            "represent_company": ("no",),
            "supervise_team": ("no",),
            "time_commitment": ("few_days_total",),
            "marketing_team_size": ("one_or_two", "three_to_ten"),
            "marketing_leader": ("in_place",),
            "strategy_state": ("documented_solid", "informal"),
        },
        context={
            "fr": (
                "Notre équipe exécute bien; on cherche plutôt quelqu'un avec qui valider "
                "nos grandes orientations quelques fois par année.",
            ),
            "en": ("Our team executes well; we'd like a sounding board a few times a year.",),
        },
    ),
    Archetype(
        "interim_director",
        8,
        needs=("structure_team", "align_strategy", "develop_team_skills"),
        needs_count=(1, 2),
        answers={
            "horizon": ("quarter", "half_year"),
            "involvement": ("lead_marketing", "join_leadership"),
            "represent_company": ("yes",),
            "supervise_team": ("yes",),
            "time_commitment": ("three_plus_days_week", "full_time"),
            "marketing_team_size": ("three_to_ten", "over_ten"),
            "marketing_leader": ("departed_or_leave",),
            "strategy_state": ("documented_solid", "informal"),
        },
        context={
            "fr": (
                "Notre directrice marketing part en congé de maternité pour un an. "
                "L'équipe de six personnes a besoin d'une direction en attendant.",
                "Notre VP marketing nous a quittés et le recrutement prendra des mois.",
            ),
            "en": ("Our marketing director is on leave for six months; the team needs a lead.",),
        },
    ),
    Archetype(
        "full_time_hire",
        8,
        needs=CMO_NEEDS,
        needs_count=(2, 3),
        answers={
            "horizon": ("ongoing",),
            "involvement": ("lead_marketing", "join_leadership"),
            "represent_company": ("yes",),
            "supervise_team": ("yes",),
            "time_commitment": ("full_time",),
            "marketing_team_size": ("none", "one_or_two", "three_to_ten"),
            "marketing_leader": ("none", "departed_or_leave"),
            "strategy_state": ("none_or_fragile", "informal"),
        },
        context={
            "fr": ("On cherche en fait un directeur marketing à temps plein, permanent.",),
            "en": ("We are really looking for a permanent, full-time head of marketing.",),
        },
    ),
    Archetype(
        "mixed",
        14,
        needs=CONSULTANT_NEEDS + CMO_NEEDS,
        needs_count=(2, 3),
        answers={
            "horizon": ("weeks", "quarter", "half_year", "ongoing"),
            "involvement": ("execute_mandate", "lead_marketing", "join_leadership"),
            "represent_company": ("yes", "no"),
            "supervise_team": ("yes", "no"),
            "time_commitment": ("few_days_total", "one_or_two_days_week"),
            "marketing_team_size": ("none", "one_or_two", "three_to_ten"),
            "marketing_leader": ("in_place", "none"),
            "strategy_state": ("informal", "none_or_fragile"),
        },
        twists=(
            {"involvement": "join_leadership", "horizon": "weeks"},
            {"involvement": "lead_marketing", "time_commitment": "few_days_total"},
            {"involvement": "execute_mandate", "supervise_team": "yes"},
            {"horizon": "ongoing", "time_commitment": "few_days_total"},
            {"involvement": "occasional_advice", "time_commitment": "three_plus_days_week"},
            {"involvement": "occasional_advice", "supervise_team": "yes"},
        ),
        context={
            "fr": (
                "Difficile à dire : on a besoin d'une campagne rapidement, mais aussi de "
                "quelqu'un pour mettre de l'ordre dans tout ça.",
                "Nous ne savons pas trop ce qu'il nous faut, c'est justement pour ça "
                "que je remplis le questionnaire.",
            ),
            "en": (
                "Hard to say: we need a campaign quickly, but also someone to sort the "
                "whole thing out.",
            ),
        },
    ),
)

#: Company sizes, each with the revenues and monthly budgets that go with it, weighted.
COMPANY_SIZES = (
    (25, "1_9", ("under_500k", "500k_2m"), ("under_2k", "under_2k", "2k_5k")),
    (40, "10_49", ("500k_2m", "2m_10m", "2m_10m"), ("2k_5k", "5k_10k")),
    (25, "50_199", ("2m_10m", "10m_50m"), ("5k_10k", "over_10k")),
    (10, "200_plus", ("10m_50m", "over_50m"), ("5k_10k", "over_10k", "over_10k")),
)
STARTS = ("now", "now", "this_quarter", "this_quarter", "this_quarter", "later", "exploring")
DECISION_ROLES = ("owner_or_ceo",) * 9 + ("executive",) * 6 + ("manager",) * 4 + ("other",)
#: How often one role answer is left to chance, as real answers are never textbook.
VARIATION = 0.1
#: Role questions that random variation may change (not the fit questions).
ROLE_QUESTIONS = (
    "horizon", "involvement", "represent_company", "supervise_team", "time_commitment",
    "marketing_team_size", "marketing_leader", "strategy_state",
)  # fmt: skip
CONTEXT_SHARE = 0.4

# --- What staff wrote ------------------------------------------------------------------

LOST_REASONS = {
    "fr": (
        "A choisi une agence pour l'ensemble du mandat.",
        "Budget reporté à l'an prochain.",
        "Aucune réponse après trois relances.",
        "A embauché un directeur marketing à temps plein.",
        "Projet mis sur la glace par la direction.",
        "Trouve notre offre trop chère pour le moment.",
    ),
    "en": (
        "Went with an agency for the whole engagement.",
        "Budget pushed to next year.",
        "No answer after three follow-ups.",
        "Hired a full-time marketing director.",
        "Project put on hold by management.",
    ),
}
DISQUALIFIED_REASONS = {
    "fr": (
        "Cherche un emploi permanent à temps plein, pas un mandat.",
        "Demande faite pour un travail universitaire sur le marketing.",
        "Hors de notre créneau : commerce de détail très local, aucun budget.",
    ),
    "en": (
        "Looking for a permanent full-time hire, not an engagement.",
        "Student working on a class project.",
    ),
}
OVERRIDE_REASONS = {
    Recommendation.CONSULTANT: {
        "fr": (
            "Au téléphone, le vrai besoin est un mandat précis sur le référencement, pas un "
            "rôle de direction.",
            "Le directeur marketing reste en poste; il lui faut un renfort ponctuel.",
        ),
        "en": ("On the phone: what they really want is a one-off SEO mandate.",),
    },
    Recommendation.FRACTIONAL_CMO: {
        "fr": (
            "Le président cherche en fait quelqu'un au comité de direction; la campagne "
            "n'est qu'un symptôme.",
            "Aucune stratégie en place : un mandat ponctuel ne ferait qu'appliquer le vernis.",
        ),
        "en": ("The CEO wants a seat at the leadership table; the campaign is a symptom.",),
    },
}
REVIEW_NOTES = {
    "fr": (
        "Réponses cohérentes avec l'appel de découverte.",
        "Vérifié : la recommandation tient.",
        "",
    ),
    "en": ("Checked against the intro call: the recommendation holds.", ""),
}

#: The activity logged, done, when a lead reaches a stage: (kind, text per language).
STAGE_ACTIVITIES = {
    Stage.CONTACTED: (Activity.Kind.CALL, {
        "fr": "Premier appel : besoins confirmés, rencontre à planifier.",
        "en": "First call: needs confirmed, meeting to be booked.",
    }),
    Stage.DISCOVERY: (Activity.Kind.MEETING, {
        "fr": "Rencontre de découverte avec la direction.",
        "en": "Discovery meeting with the leadership team.",
    }),
    Stage.PROPOSAL: (Activity.Kind.EMAIL, {
        "fr": "Proposition envoyée par courriel.",
        "en": "Proposal sent by e-mail.",
    }),
    Stage.WON: (Activity.Kind.NOTE, {
        "fr": "Entente signée, début du mandat à planifier.",
        "en": "Agreement signed; kick-off to be scheduled.",
    }),
}  # fmt: skip
#: The next thing to do, open, on a lead at each open stage.
FOLLOW_UPS = {
    Stage.NEW: ((Activity.Kind.CALL, {
        "fr": "Premier appel pour comprendre le besoin.",
        "en": "First call to understand the need.",
    }), (Activity.Kind.EMAIL, {
        "fr": "Écrire pour proposer un appel de 20 minutes.",
        "en": "E-mail to offer a 20-minute call.",
    })),
    Stage.CONTACTED: ((Activity.Kind.CALL, {
        "fr": "Rappeler pour fixer la rencontre de découverte.",
        "en": "Call back to book the discovery meeting.",
    }),),
    Stage.DISCOVERY: ((Activity.Kind.EMAIL, {
        "fr": "Envoyer la proposition et les références.",
        "en": "Send the proposal and references.",
    }), (Activity.Kind.MEETING, {
        "fr": "Deuxième rencontre avec l'équipe marketing.",
        "en": "Second meeting with the marketing team.",
    })),
    Stage.PROPOSAL: ((Activity.Kind.CALL, {
        "fr": "Relancer au sujet de la proposition.",
        "en": "Follow up on the proposal.",
    }),),
}  # fmt: skip
NOTES = {
    "fr": (
        "Profil LinkedIn consulté : a travaillé chez Desjardins.",
        "Recommandé par un client actuel.",
        "Préfère les appels en fin de journée.",
    ),
    "en": ("Referred by a current client.", "Prefers to be reached by e-mail."),
}


# --- Generating a prospect -------------------------------------------------------------


def archetype_answers(
    archetype: Archetype, rng: random.Random, choices: dict[str, list[str]]
) -> dict[str, Any]:
    """Answers to questionnaire v1 as this kind of prospect gives them, with some variation.

    ``choices`` is every question's choice keys, for the random variation.
    """
    answers: dict[str, Any] = {
        "needs": rng.sample(archetype.needs, rng.randint(*archetype.needs_count)),
        **{key: rng.choice(options) for key, options in archetype.answers.items()},
    }
    if archetype.twists:
        answers.update(rng.choice(archetype.twists))
    if rng.random() < VARIATION:
        key = rng.choice(ROLE_QUESTIONS)
        answers[key] = rng.choice(choices[key])
    _weight, employees, revenues, budgets = rng.choices(
        COMPANY_SIZES, weights=[size[0] for size in COMPANY_SIZES]
    )[0]
    answers.update(
        employees=employees,
        annual_revenue=rng.choice(revenues),
        monthly_budget=rng.choice(budgets),
        start=rng.choice(STARTS),
        decision_role=rng.choice(DECISION_ROLES),
    )
    return answers


@dataclass
class Prospect:
    language: str
    archetype: Archetype
    contact: dict[str, str]
    company: dict[str, str]
    answers: dict[str, Any]
    source: Source
    source_fields: dict[str, str]
    consent: dict[str, bool]


def prospect_make(
    rng: random.Random, choices: dict[str, list[str]], is_taken: Callable[[str], bool]
) -> Prospect:
    """A prospect with a name, a company, answers and an e-mail address not yet taken."""
    language = "fr" if rng.random() < FRENCH_SHARE else "en"
    archetype = rng.choices(ARCHETYPES, weights=[a.weight for a in ARCHETYPES])[0]
    answers = archetype_answers(archetype, rng, choices)
    if rng.random() < CONTEXT_SHARE:
        answers["context"] = rng.choice(archetype.context[language])
    french = language == "fr"
    first_name, gender = rng.choice(FR_FIRST_NAMES if french else EN_FIRST_NAMES)
    last_name = rng.choice(FR_LAST_NAMES if french else EN_LAST_NAMES)
    company_name = rng.choice(FR_COMPANIES if french else EN_COMPANIES).format(
        last=rng.choice(FR_LAST_NAMES if french else EN_LAST_NAMES),
        place=rng.choice(FR_PLACES if french else EN_PLACES),
        word=rng.choice(COMPANY_WORDS),
    )
    # Reserved names (RFC 2606): no e-mail can ever reach a real person.
    domain = f"{slugify(company_name)}.example"
    local = f"{slugify(first_name)}.{slugify(last_name)}".replace("-", "")
    email, n = f"{local}@{domain}", 1
    while is_taken(email):
        n += 1
        email = f"{local}{n}@{domain}"
    role = answers["decision_role"]
    job_title = rng.choice(FR_TITLES[role][gender] if french else EN_TITLES[role])
    source = rng.choices(SOURCES, weights=[s.weight for s in SOURCES])[0]
    return Prospect(
        language=language,
        archetype=archetype,
        contact={
            "first_name": first_name,
            "last_name": last_name,
            "email": email,
            "phone": f"{rng.choice(AREA_CODES[language])} 555-01{rng.randint(0, 99):02d}",
            "job_title": job_title,
        },
        company={"name": company_name, "website": f"https://www.{domain}/"},
        answers=answers,
        source=source,
        source_fields={
            "utm_source": source.utm_source,
            "utm_medium": source.utm_medium,
            "utm_campaign": rng.choice(source.campaigns),
            "referrer": source.referrer,
        },
        consent={"contact": True, "marketing": rng.random() < 0.55},
    )


# --- Its story in the pipeline ---------------------------------------------------------

ADVANCE_CHANCE = {"A": 0.85, "B": 0.75, "C": 0.6, "D": 0.4}


def stages_plan(rng: random.Random, *, age_days: float, fit_grade: str, archetype: str) -> list:
    """The stages a lead went through after ``new``, in order, given its age and fit.

    A step takes about a week; better fits move on more often; old leads come to an end
    (won or lost after a proposal, lost when they stalled); poor fits and people who
    want a full-time employee are often disqualified.
    """
    if age_days < 1:
        return [] if rng.random() < 0.85 else [Stage.CONTACTED]
    if (archetype == "full_time_hire" and rng.random() < 0.4) or (
        fit_grade == "D" and rng.random() < 0.3
    ):
        return [Stage.DISQUALIFIED] if rng.random() < 0.6 else [Stage.CONTACTED, Stage.DISQUALIFIED]
    chance = ADVANCE_CHANCE.get(fit_grade, 0.5)
    reachable = min(3, 1 + int(age_days // 7))
    path: list[str] = []
    for stage in (Stage.CONTACTED, Stage.DISCOVERY, Stage.PROPOSAL)[:reachable]:
        if rng.random() > chance:
            break
        path.append(stage)
    if path and age_days > 14:
        if path[-1] == Stage.PROPOSAL and age_days > 21 and rng.random() < 0.65:
            path.append(Stage.WON if rng.random() < chance else Stage.LOST)
        elif path[-1] != Stage.PROPOSAL and age_days > 35 and rng.random() < 0.4:
            path.append(Stage.LOST)
    return path


def follow_up_due(rng: random.Random, *, now: datetime, not_before: datetime) -> datetime:
    """When the next thing is due, in office hours: overdue since an earlier day (when
    that comes after ``not_before``), today, tomorrow or in the coming two weeks."""
    midnight = timezone.localtime(now).replace(hour=0, minute=0, second=0, microsecond=0)
    office_hours = timedelta(hours=rng.uniform(9, 17))
    roll = rng.random()
    if roll < 0.3:
        due = midnight - timedelta(days=rng.randint(1, 6)) + office_hours
        if due > not_before:
            return due
    if roll < 0.5:
        return midnight + office_hours
    if roll < 0.7:
        return midnight + timedelta(days=1) + office_hours
    return midnight + timedelta(days=rng.randint(2, 14)) + office_hours


def working_hours(rng: random.Random, at: datetime, *, not_before: datetime, now: datetime):
    """``at`` moved to office hours on its day (a weekend's to the Friday before), when
    that stays between ``not_before`` and ``now``: staff do not call at midnight."""
    day = timezone.localtime(at).replace(hour=0, minute=0, second=0, microsecond=0)
    if day.weekday() >= 5:
        day -= timedelta(days=day.weekday() - 4)
    moved = day + timedelta(hours=rng.uniform(8.5, 17.5))
    return moved if not_before < moved < now else at
