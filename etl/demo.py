"""Demo data: invented but realistic partners, activities and participation, as the ETL's input CSVs.

Everything is drawn from one seed, so the same seed gives the same bytes. Partners (~444) and
participation do not depend on `n_activities`; activities are generated with vectorised numpy so
that a million rows stay fast. A few deliberately bad rows are appended to each file (listed in
`DELIBERATE_BAD_ROWS`) so that the ETL's rejection and warning paths show in the demo.

Usage: `python -m etl.demo OUT_DIR [N_ACTIVITIES] [SEED]`.
"""

from __future__ import annotations

import datetime as dt
import re
import sys
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import duckdb
import numpy as np
import pandas as pd
from numpy.dtypes import StringDType

from etl.demo_lifecycle import EVENT_COLUMNS, REPORT_COLUMNS, make_lifecycle
from etl.reference import get_reference

S = StringDType()

# Activity status is derived relative to this date (the demo data's "as of" date).
AS_OF = dt.date(2026, 11, 1)
ACTIVITY_FIRST_START = dt.date(2012, 1, 1)
ACTIVITY_LAST_START = dt.date(2026, 10, 31)
# Share of activities that start after AS_OF, so that the `planned` status exists in the demo.
PLANNED_SHARE = 0.02

N_NGOS = 420
N_FOUNDATIONS = 24

FIELDS = ["ED", "SC", "SHS", "CLT", "CI"]
FIELD_NAMES = {
    "ED": "Education",
    "SC": "Natural Sciences",
    "SHS": "Social and Human Sciences",
    "CLT": "Culture",
    "CI": "Communication and Information",
}
# Partners' fields: ED most frequent, then CLT, SC, SHS, CI.
PARTNER_FIELD_P = np.array([0.32, 0.17, 0.15, 0.23, 0.13])
# Activities' field when not taken from the lead partner.
ACTIVITY_FIELD_P = np.array([0.35, 0.17, 0.14, 0.22, 0.12])

AREAS = [
    "capacity_building",
    "advocacy",
    "technical_support",
    "standard_setting",
    "consultation",
    "research",
    "awareness_raising",
]
# Functional-area mix per field (rows in FIELDS order, columns in AREAS order): capacity building
# dominates education, research the sciences, standard setting culture and communication.
AREA_P = np.array(
    [
        [0.34, 0.14, 0.14, 0.04, 0.06, 0.12, 0.16],  # ED
        [0.22, 0.08, 0.18, 0.06, 0.05, 0.30, 0.11],  # SC
        [0.16, 0.22, 0.08, 0.08, 0.10, 0.18, 0.18],  # SHS
        [0.20, 0.10, 0.16, 0.20, 0.06, 0.12, 0.16],  # CLT
        [0.20, 0.16, 0.14, 0.18, 0.06, 0.10, 0.16],  # CI
    ]
)

REGIONS = ["AFR", "ARB", "APA", "ENA", "LAC"]
REGION_TITLE = {
    "AFR": "Africa",
    "ARB": "the Arab States",
    "APA": "Asia and the Pacific",
    "ENA": "Europe and North America",
    "LAC": "Latin America and the Caribbean",
}
# Headquarters are concentrated in Europe and North America, as for the real partners.
HQ_REGION_P = {
    "ngo": {"ENA": 0.60, "AFR": 0.12, "APA": 0.10, "LAC": 0.10, "ARB": 0.08},
    "foundation": {"ENA": 0.70, "AFR": 0.08, "APA": 0.10, "LAC": 0.06, "ARB": 0.06},
}
# Where activities happen: Africa is UNESCO's global priority.
ACTIVITY_REGION_P = {"AFR": 0.34, "APA": 0.24, "LAC": 0.17, "ARB": 0.13, "ENA": 0.12}

# Headquarters countries: iso3 → (weight within region, cities).
HQ_COUNTRIES: dict[str, dict[str, tuple[int, list[str]]]] = {
    "ENA": {
        "FRA": (18, ["Paris", "Lyon", "Strasbourg", "Marseille"]),
        "BEL": (9, ["Brussels", "Liège", "Ghent"]),
        "CHE": (10, ["Geneva", "Lausanne", "Bern", "Zurich"]),
        "GBR": (9, ["London", "Oxford", "Edinburgh", "Manchester"]),
        "USA": (10, ["New York", "Washington", "Boston", "Chicago"]),
        "DEU": (6, ["Berlin", "Bonn", "Munich", "Hamburg"]),
        "NLD": (5, ["The Hague", "Amsterdam", "Utrecht"]),
        "ITA": (5, ["Rome", "Milan", "Florence"]),
        "ESP": (4, ["Madrid", "Barcelona", "Seville"]),
        "CAN": (4, ["Montreal", "Ottawa", "Toronto", "Quebec City"]),
        "AUT": (3, ["Vienna", "Salzburg"]),
        "SWE": (2, ["Stockholm", "Uppsala"]),
        "DNK": (2, ["Copenhagen"]),
        "NOR": (2, ["Oslo", "Bergen"]),
        "PRT": (2, ["Lisbon", "Porto"]),
        "TUR": (2, ["Istanbul", "Ankara"]),
        "RUS": (2, ["Moscow", "Saint Petersburg"]),
        "GRC": (1, ["Athens"]),
        "POL": (1, ["Warsaw", "Kraków"]),
        "FIN": (1, ["Helsinki"]),
    },
    "AFR": {
        "SEN": (3, ["Dakar", "Saint-Louis"]),
        "KEN": (3, ["Nairobi", "Mombasa"]),
        "NGA": (3, ["Lagos", "Abuja"]),
        "ZAF": (3, ["Johannesburg", "Cape Town", "Pretoria"]),
        "CIV": (2, ["Abidjan", "Yamoussoukro"]),
        "CMR": (2, ["Yaoundé", "Douala"]),
        "GHA": (2, ["Accra", "Kumasi"]),
        "ETH": (2, ["Addis Ababa"]),
        "BFA": (1, ["Ouagadougou"]),
        "UGA": (1, ["Kampala"]),
        "TZA": (1, ["Dar es Salaam", "Dodoma"]),
        "COD": (1, ["Kinshasa"]),
        "ZWE": (1, ["Harare"]),
        "MLI": (1, ["Bamako"]),
        "BEN": (1, ["Cotonou", "Porto-Novo"]),
    },
    "APA": {
        "IND": (3, ["New Delhi", "Mumbai", "Bangalore"]),
        "JPN": (3, ["Tokyo", "Kyoto", "Osaka"]),
        "KOR": (2, ["Seoul", "Busan"]),
        "CHN": (2, ["Beijing", "Shanghai"]),
        "PHL": (2, ["Manila", "Quezon City"]),
        "AUS": (2, ["Sydney", "Melbourne", "Canberra"]),
        "IRN": (1, ["Tehran", "Isfahan"]),
        "THA": (1, ["Bangkok"]),
        "BGD": (1, ["Dhaka"]),
        "NPL": (1, ["Kathmandu"]),
        "MYS": (1, ["Kuala Lumpur"]),
        "PAK": (1, ["Islamabad", "Lahore"]),
        "IDN": (1, ["Jakarta"]),
    },
    "LAC": {
        "MEX": (3, ["Mexico City", "Querétaro", "Guadalajara"]),
        "BRA": (3, ["São Paulo", "Rio de Janeiro", "Brasília"]),
        "ARG": (3, ["Buenos Aires", "Córdoba"]),
        "CHL": (2, ["Santiago", "Valparaíso"]),
        "COL": (2, ["Bogotá", "Medellín"]),
        "PER": (2, ["Lima", "Cusco"]),
        "BOL": (1, ["La Paz", "Sucre"]),
        "CUB": (1, ["Havana"]),
        "URY": (1, ["Montevideo"]),
        "CRI": (1, ["San José"]),
        "VEN": (1, ["Caracas"]),
        "JAM": (1, ["Kingston"]),
        "ECU": (1, ["Quito"]),
    },
    "ARB": {
        "EGY": (3, ["Cairo", "Alexandria"]),
        "LBN": (2, ["Beirut"]),
        "JOR": (2, ["Amman"]),
        "MAR": (2, ["Rabat", "Casablanca"]),
        "TUN": (2, ["Tunis"]),
        "SAU": (1, ["Riyadh", "Jeddah"]),
        "ARE": (1, ["Abu Dhabi", "Dubai"]),
        "QAT": (1, ["Doha"]),
        "DZA": (1, ["Algiers"]),
        "OMN": (1, ["Muscat"]),
        "KWT": (1, ["Kuwait City"]),
    },
}
# UN long forms, written by some partners instead of the short English name.
UN_NAMES = {
    "IRN": "Iran (Islamic Republic of)",
    "GBR": "United Kingdom of Great Britain and Northern Ireland",
    "TUR": "Türkiye",
    "CIV": "Côte d'Ivoire",
    "BOL": "Bolivia (Plurinational State of)",
    "VEN": "Venezuela (Bolivarian Republic of)",
    "TZA": "United Republic of Tanzania",
    "COD": "Democratic Republic of the Congo",
    "KOR": "Republic of Korea",
    "USA": "United States of America",
    "RUS": "Russian Federation",
}
FRENCH_SPEAKING = {"FRA", "BEL", "CHE", "CAN", "SEN", "CIV", "CMR", "BFA", "MLI", "BEN", "COD"}
FRENCH_SPEAKING |= {"MAR", "TUN", "DZA", "LBN"}
SPANISH_SPEAKING = {"ESP", "MEX", "ARG", "CHL", "COL", "PER", "BOL", "CUB", "URY", "CRI", "VEN"}
SPANISH_SPEAKING |= {"ECU"}

# Topics per field: (English, French with article, Spanish with article).
TOPICS: dict[str, list[tuple[str, str, str]]] = {
    "ED": [
        ("Adult Education", "l'éducation des adultes", "la educación de adultos"),
        ("Literacy", "l'alphabétisation", "la alfabetización"),
        ("Early Childhood Education", "la petite enfance", "la primera infancia"),
        ("Inclusive Education", "l'éducation inclusive", "la educación inclusiva"),
        ("Teacher Education", "la formation des enseignants", "la formación docente"),
        (
            "Lifelong Learning",
            "l'apprentissage tout au long de la vie",
            "el aprendizaje permanente",
        ),
        ("Girls' Education", "l'éducation des filles", "la educación de las niñas"),
        ("Higher Education", "l'enseignement supérieur", "la educación superior"),
        (
            "Education for Sustainable Development",
            "l'éducation au développement durable",
            "la educación para el desarrollo sostenible",
        ),
    ],
    "SC": [
        ("Water Sciences", "les sciences de l'eau", "las ciencias del agua"),
        ("Ocean Sciences", "les sciences de la mer", "las ciencias del mar"),
        ("Geosciences", "les géosciences", "las geociencias"),
        ("Biodiversity", "la biodiversité", "la biodiversidad"),
        ("Women in Science", "les femmes de science", "las mujeres en la ciencia"),
        ("Engineering", "l'ingénierie", "la ingeniería"),
        ("Renewable Energy", "les énergies renouvelables", "las energías renovables"),
        ("Science Education", "l'enseignement des sciences", "la enseñanza de las ciencias"),
    ],
    "SHS": [
        ("Human Rights", "les droits humains", "los derechos humanos"),
        ("Youth", "la jeunesse", "la juventud"),
        ("Bioethics", "la bioéthique", "la bioética"),
        ("Philosophy", "la philosophie", "la filosofía"),
        ("Peace", "la paix", "la paz"),
        (
            "Physical Education and Sport",
            "l'éducation physique et le sport",
            "la educación física y el deporte",
        ),
        ("Gender Equality", "l'égalité des genres", "la igualdad de género"),
        ("Social Development", "le développement social", "el desarrollo social"),
    ],
    "CLT": [
        ("Cultural Heritage", "le patrimoine culturel", "el patrimonio cultural"),
        ("Museums", "les musées", "los museos"),
        ("Traditional Music", "les musiques traditionnelles", "la música tradicional"),
        ("Intangible Heritage", "le patrimoine immatériel", "el patrimonio inmaterial"),
        ("Historic Towns", "les villes historiques", "las ciudades históricas"),
        ("Folk Arts", "les arts populaires", "las artes populares"),
        ("Theatre", "le théâtre", "el teatro"),
        ("Books and Reading", "le livre et la lecture", "el libro y la lectura"),
        ("Dance", "la danse", "la danza"),
    ],
    "CI": [
        ("Press Freedom", "la liberté de la presse", "la libertad de prensa"),
        ("Libraries", "les bibliothèques", "las bibliotecas"),
        ("Media Development", "le développement des médias", "el desarrollo de los medios"),
        ("Archives", "les archives", "los archivos"),
        (
            "Media and Information Literacy",
            "l'éducation aux médias et à l'information",
            "la alfabetización mediática",
        ),
        ("Community Radio", "les radios communautaires", "las radios comunitarias"),
        ("Open Access", "le libre accès", "el acceso abierto"),
        ("Digital Inclusion", "l'inclusion numérique", "la inclusión digital"),
    ],
}
# Members of professions, per field: (English, French).
PEOPLE: dict[str, list[tuple[str, str]]] = {
    "ED": [
        ("Adult Educators", "éducateurs d'adultes"),
        ("Teachers", "enseignants"),
        ("University Women", "femmes diplômées des universités"),
        ("School Principals", "chefs d'établissement"),
    ],
    "SC": [
        ("Women Scientists", "femmes scientifiques"),
        ("Geologists", "géologues"),
        ("Engineering Organizations", "organisations d'ingénieurs"),
        ("Science Journalists", "journalistes scientifiques"),
    ],
    "SHS": [
        ("Youth Organizations", "organisations de jeunesse"),
        ("Philosophers", "philosophes"),
        ("Sociologists", "sociologues"),
        ("Sports Journalists", "journalistes sportifs"),
    ],
    "CLT": [
        ("Museum Professionals", "professionnels des musées"),
        ("Architects", "architectes"),
        ("Composers", "compositeurs"),
        ("Translators", "traducteurs"),
        ("Folk Artists", "artistes populaires"),
    ],
    "CI": [
        ("Librarians", "bibliothécaires"),
        ("Journalists", "journalistes"),
        ("Broadcasters", "radiodiffuseurs"),
        ("Archivists", "archivistes"),
        ("Publishers", "éditeurs"),
    ],
}
EN_INTERNATIONAL = [
    "International Association for {t}",
    "World Federation for {t}",
    "International Council for {t}",
    "Global Network for {t}",
    "International Society for {t}",
    "International Institute for {t}",
    "World Organization for {t}",
    "Global Alliance for {t}",
    "International Centre for {t}",
    "International Association of {p}",
    "World Federation of {p}",
    "International Council of {p}",
    "International Union of {p}",
    "World Association of {p}",
    "International Federation of {p}",
]
EN_REGIONAL = [
    "{adj} Network for {t}",
    "{adj} Association for {t}",
    "{adj} Council for {t}",
    "{adj} Association of {p}",
    "{adj} Federation of {p}",
]
EN_NATIONAL = [
    "{country} Association for {t}",
    "{country} Council of {p}",
    "{country} Society for {t}",
    "{city} Centre for {t}",
]
FR_INTERNATIONAL = [
    "Association internationale pour {t}",
    "Fédération internationale pour {t}",
    "Réseau international pour {t}",
    "Alliance mondiale pour {t}",
    "Union mondiale pour {t}",
    "Association internationale des {p}",
    "Fédération internationale des {p}",
    "Conseil international des {p}",
]
FR_REGIONAL = [
    "Réseau {am} pour {t}",
    "Association {af} pour {t}",
    "Conseil {am} des {p}",
    "Fédération {af} des {p}",
]
FR_NATIONAL = ["Association pour {t} ({city})", "Centre pour {t} ({city})"]
ES_INTERNATIONAL = [
    "Asociación Internacional para {t}",
    "Red Iberoamericana para {t}",
    "Federación Internacional para {t}",
    "Consejo Internacional para {t}",
]
ES_REGIONAL = [
    "Red Latinoamericana para {t}",
    "Asociación Latinoamericana para {t}",
    "Consejo Latinoamericano para {t}",
    "Federación Latinoamericana para {t}",
]
ES_NATIONAL = ["Asociación para {t} ({city})", "Centro para {t} ({city})"]
FOUNDATION_TEMPLATES = {
    "en": ["{s} Foundation", "{s} Family Foundation", "{s} Foundation for {t}"],
    "fr": ["Fondation {s}", "Fondation {s} pour {tf}"],
    "es": ["Fundación {s}", "Fundación {s} para {te}"],
}
SURNAMES = [
    "Marceau",
    "Lindqvist",
    "Okafor",
    "Haddad",
    "Tanaka",
    "Albornoz",
    "Kessler",
    "Van Dam",
    "Moreau",
    "Castellanos",
    "Nakamura",
    "Mensah",
    "Rahimi",
    "Aldana",
    "Whitcombe",
    "Bergström",
    "Delacroix",
    "Osei",
    "Sørensen",
    "Ferrante",
    "Karam",
    "Iyer",
    "Quintero",
    "Hollis",
    "Achebe",
    "Lambert",
    "Novak",
    "Santoro",
    "Dufresne",
    "Halvorsen",
]
REGION_ADJ_EN = {
    "AFR": ["African", "Pan-African"],
    "ARB": ["Arab"],
    "APA": ["Asia-Pacific", "Asian"],
    "LAC": ["Latin American", "Caribbean"],
    "ENA": ["European"],
}
REGION_ADJ_FR = {
    "AFR": ("africain", "africaine"),
    "ARB": ("arabe", "arabe"),
    "APA": ("asiatique", "asiatique"),
    "LAC": ("latino-américain", "latino-américaine"),
    "ENA": ("européen", "européenne"),
}
ACRONYM_STOPWORDS = {
    "of",
    "for",
    "the",
    "and",
    "in",
    "de",
    "des",
    "du",
    "la",
    "le",
    "les",
    "pour",
    "et",
    "para",
    "el",
    "los",
    "las",
    "y",
    "del",
    "l",
    "d",
}

# Activity titles: prefix per functional area, topic per field (lower case, cheap to combine).
TITLE_PREFIXES = {
    "capacity_building": [
        "Training workshop",
        "Capacity-building programme",
        "Summer school",
        "Mentoring programme",
    ],
    "advocacy": ["Advocacy campaign", "Policy dialogue", "Parliamentary briefing", "Public appeal"],
    "technical_support": [
        "Technical assistance",
        "Expert mission",
        "Toolkit development",
        "Advisory support",
    ],
    "standard_setting": [
        "Expert consultation",
        "Guidelines drafting",
        "Implementation review",
        "Convention ratification support",
    ],
    "consultation": [
        "Consultation meeting",
        "Stakeholder forum",
        "Regional consultation",
        "Partners' round table",
    ],
    "research": ["Research project", "Survey", "Comparative study", "Data collection"],
    "awareness_raising": [
        "Awareness campaign",
        "Exhibition",
        "Media campaign",
        "International day celebration",
    ],
}
TITLE_TOPICS = {
    "ED": [
        "inclusive education",
        "adult literacy",
        "early childhood care",
        "girls' education",
        "teacher professional development",
        "education for sustainable development",
        "global citizenship education",
        "technical and vocational skills",
    ],
    "SC": [
        "water security",
        "ocean literacy",
        "geoparks",
        "biodiversity monitoring",
        "women in science",
        "open science",
        "disaster risk reduction",
        "renewable energy",
    ],
    "SHS": [
        "youth participation",
        "ethics of artificial intelligence",
        "bioethics",
        "intercultural dialogue",
        "sport for development",
        "gender equality",
        "social inclusion",
        "philosophy for children",
    ],
    "CLT": [
        "intangible cultural heritage",
        "museum collections",
        "historic urban landscapes",
        "illicit trafficking of cultural property",
        "creative industries",
        "World Heritage",
        "underwater cultural heritage",
        "indigenous languages",
    ],
    "CI": [
        "press freedom",
        "safety of journalists",
        "media and information literacy",
        "documentary heritage",
        "community radio",
        "access to information",
        "digital skills",
        "library services",
    ],
}

MECH_CONFERENCE = "International Conference of NGOs"
MECH_LIAISON = "Liaison Committee"
MECH_NGP = "Committee on Non-Governmental Partners"
MECH_FORUM = "forum"
# International Conference of NGOs: (year, opening date, approximate attendance).
CONFERENCES = [
    (2012, "2012-12-12", 129),
    (2014, "2014-12-15", 120),
    (2016, "2016-12-12", 120),
    (2018, "2018-12-17", 112),
    (2020, "2020-12-14", 126),  # held online
    (2022, "2022-12-13", 104),
    (2024, "2024-12-17", 118),
]
FORUMS = [
    ("NGO Forum Querétaro 2016", "2016-11-03"),
    ("NGO Forum Tunis 2019", "2019-10-17"),
    ("NGO Forum Bangkok 2023", "2023-06-21"),
]
FIRST_EB_SESSION = 189  # spring 2012
# Dependent territories and uninhabited islands: real activities are in (member) states, so the
# demo leaves these out of activity countries even though the reference gives them a region.
TERRITORIES = frozenset(
    "ALA ASM AIA ABW BMU BES BVT IOT CYM CXR CCK CUW FLK FRO GUF PYF ATF GIB GRL GLP GUM GGY HMD "
    "HKG IMN JEY MAC MTQ MYT MSR NCL NFK MNP PCN PRI REU BLM SHN MAF SPM SXM SGS SJM UMI VGB VIR "
    "WLF ESH TCA".split()
)

PARTNER_COLUMNS = [
    "partner_id",
    "name",
    "acronym",
    "partner_type",
    "status",
    "status_since",
    "previous_status",
    "hq_city",
    "hq_country",
    "relations_since",
    "fields",
    "scope",
    "website",
]
ACTIVITY_COLUMNS = [
    "activity_id",
    "partner_ids",
    "title",
    "modality",
    "field",
    "functional_areas",
    "countries",
    "start_date",
    "end_date",
    "status",
    "budget_usd",
    "description",
]
PARTICIPATION_COLUMNS = ["partner_id", "mechanism", "event", "event_date", "role"]

# Rows that are wrong on purpose; the same at every scale. Errors must be rejected by the ETL,
# warnings loaded but flagged.
DELIBERATE_BAD_ROWS: list[dict[str, str]] = [
    {"file": "partners.csv", "key": "NGO-0998", "reason": "empty name", "severity": "error"},
    {
        "file": "partners.csv",
        "key": "NGO-0007",
        "reason": "duplicate partner_id",
        "severity": "error",
    },
    {
        "file": "activities.csv",
        "key": "ACT-9900001",
        "reason": "unknown partner NGO-9999",
        "severity": "error",
    },
    {
        "file": "activities.csv",
        "key": "ACT-9900002",
        "reason": "unknown country Atlantis",
        "severity": "error",
    },
    {
        "file": "activities.csv",
        "key": "ACT-9900003",
        "reason": "malformed start_date 2019-13-45",
        "severity": "error",
    },
    {
        "file": "activities.csv",
        "key": "ACT-9900004",
        "reason": "negative budget",
        "severity": "error",
    },
    {
        "file": "activities.csv",
        "key": "ACT-9900005",
        "reason": "end_date before start_date",
        "severity": "warning",
    },
    {
        "file": "activities.csv",
        "key": "ACT-9900006",
        "reason": "budget outlier 60,000,000",
        "severity": "warning",
    },
    {
        "file": "participation.csv",
        "key": "NGO-8888",
        "reason": "unknown partner",
        "severity": "error",
    },
    # Lifecycle (etl/demo_lifecycle.py; its TERMINATED partners are warned, not appended rows).
    {"file": "status_events.csv", "key": "NGO-7777", "reason": "unknown partner", "severity": "error"},
    {"file": "reports.csv", "key": "NGO-7777", "reason": "unknown partner", "severity": "error"},
]  # fmt: skip


@dataclass
class _Partners:
    """Partners as written, plus the arrays the activity and participation generators need."""

    frame: pd.DataFrame
    ids: np.ndarray  # StringDType
    acronyms: np.ndarray  # StringDType
    is_ngo: np.ndarray
    is_associate: np.ndarray
    region: np.ndarray  # region code per partner
    hq_iso3: np.ndarray
    national: np.ndarray  # scope national or local
    fields: np.ndarray  # (P, 3) field indices, -1 where absent
    n_fields: np.ndarray
    relations_since: np.ndarray
    status_since: np.ndarray  # datetime64[D]
    was_consultative: np.ndarray  # associate now, consultative before status_since
    weight: np.ndarray  # relative activity level, sums to 1


def _fold_ascii(text: str) -> str:
    """ASCII letters and digits only (for acronyms and web addresses)."""
    text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    return re.sub(r"[^A-Za-z0-9]", "", text)


def _acronym(name: str) -> str:
    """Initials of the significant words of a name, e.g. 'IAAE'."""
    words = re.split(r"[\s'’()-]+", name)
    letters = [
        _fold_ascii(w)[:1].upper() for w in words if w and w.lower() not in ACRONYM_STOPWORDS
    ]
    return "".join(x for x in letters if x)


def _pick(rng: np.random.Generator, items: list, p: np.ndarray | None = None):
    """One element of a list (numpy's choice would turn tuples into arrays)."""
    return items[int(rng.choice(len(items), p=p))]


def _partner_name(rng, kind, scope, lang, region, iso3, city, field, ref) -> str:
    """An invented, plausible partner name in the partner's language."""
    t_en, t_fr, t_es = _pick(rng, TOPICS[field])
    p_en, p_fr = _pick(rng, PEOPLE[field])
    if kind == "foundation":
        template = _pick(rng, FOUNDATION_TEMPLATES[lang])
        return template.format(s=_pick(rng, SURNAMES), t=t_en, tf=t_fr, te=t_es)
    if lang == "fr":
        templates = {"regional": FR_REGIONAL, "national": FR_NATIONAL, "local": FR_NATIONAL}
        template = _pick(rng, templates.get(scope, FR_INTERNATIONAL))
        am, af = REGION_ADJ_FR[region]
        return template.format(t=t_fr, p=p_fr, am=am, af=af, city=city)
    if lang == "es":
        templates = {"regional": ES_REGIONAL, "national": ES_NATIONAL, "local": ES_NATIONAL}
        return _pick(rng, templates.get(scope, ES_INTERNATIONAL)).format(t=t_es, city=city)
    templates = {"regional": EN_REGIONAL, "national": EN_NATIONAL, "local": EN_NATIONAL[3:]}
    adj = "North American" if iso3 in ("USA", "CAN") else _pick(rng, REGION_ADJ_EN[region])
    country = ref.country_by_iso3[iso3].name_en
    template = _pick(rng, templates.get(scope, EN_INTERNATIONAL))
    return template.format(t=t_en, p=p_en, adj=adj, country=country, city=city)


def _country_spelling(rng: np.random.Generator, iso3: str, ref) -> str:
    """The headquarters country as partners write it: English, ISO3, French or UN long form."""
    u = rng.random()
    country = ref.country_by_iso3[iso3]
    if u < 0.13:
        return iso3
    if u < 0.25:
        return country.name_fr
    if u < 0.45 and iso3 in UN_NAMES:
        return UN_NAMES[iso3]
    return country.name_en


def _random_date(rng: np.random.Generator, first: dt.date, last: dt.date) -> dt.date:
    """A uniformly random date in [first, last]."""
    return first + dt.timedelta(days=int(rng.integers(0, (last - first).days + 1)))


def _make_partners(rng: np.random.Generator) -> _Partners:
    """About 420 NGOs and 24 foundations (loops are fine: the count does not scale)."""
    ref = get_reference()
    kinds = ["ngo"] * N_NGOS + ["foundation"] * N_FOUNDATIONS
    ids = [f"NGO-{i:04d}" for i in range(1, N_NGOS + 1)]
    ids += [f"FDN-{i:03d}" for i in range(1, N_FOUNDATIONS + 1)]
    rows, names, acronyms = [], set(), set()
    region_l, iso_l, nat_l, assoc_l, rel_l = [], [], [], [], []
    since_l: list[dt.date] = []
    prev_l: list[bool] = []
    fields_m = np.full((len(ids), 3), -1, dtype=np.int64)
    n_fields = np.zeros(len(ids), dtype=np.int64)
    for i, (pid, kind) in enumerate(zip(ids, kinds, strict=True)):
        rp = HQ_REGION_P[kind]
        region = _pick(rng, list(rp), np.array(list(rp.values())))
        countries = HQ_COUNTRIES[region]
        cw = np.array([w for w, _ in countries.values()], dtype=float)
        iso3 = _pick(rng, list(countries), cw / cw.sum())
        city = _pick(rng, countries[iso3][1])
        if iso3 in FRENCH_SPEAKING and rng.random() < 0.55:
            lang = "fr"
        elif iso3 in SPANISH_SPEAKING and rng.random() < 0.65:
            lang = "es"
        else:
            lang = "en"
        if kind == "foundation":
            status, scope = "official relations", "international"
            relations = int(rng.integers(1960, 2023))
        else:
            # Associate status is for international or regional NGOs with two years' standing.
            status = "associate" if rng.random() < 0.35 else "consultative"
            if status == "associate":
                scope = _pick(rng, ["international", "regional"], np.array([0.85, 0.15]))
            else:
                scope = _pick(
                    rng,
                    ["international", "regional", "national", "local"],
                    np.array([0.60, 0.18, 0.16, 0.06]),
                )
            era = rng.random()
            if era < 0.40:
                relations = int(rng.integers(1947, 1980))
            elif era < 0.70:
                relations = int(rng.integers(1980, 2000))
            else:
                relations = int(rng.integers(2000, 2025))
            if status == "associate":
                relations = min(relations, int(rng.integers(2005, 2021)))
        previous = ""
        if status == "associate" and rng.random() < 0.33:
            previous = "consultative"
        since_from = dt.date(relations + (2 if previous else 0), 1, 1)
        # The 2011 directives reclassified the older NGOs: many statuses date from 2012.
        if kind == "ngo" and relations <= 2011 and not previous and rng.random() < 0.35:
            since_from = dt.date(2012, 1, 1)
            since = _random_date(rng, since_from, dt.date(2012, 12, 31))
        else:
            since = _random_date(rng, since_from, dt.date(2025, 12, 31))
        primary = int(rng.choice(5, p=PARTNER_FIELD_P))
        extra_n = int(rng.choice(3, p=[0.45, 0.35, 0.20]))
        rest = [f for f in range(5) if f != primary]
        rest_p = PARTNER_FIELD_P[rest] / PARTNER_FIELD_P[rest].sum()
        extra = [int(x) for x in rng.choice(rest, size=extra_n, replace=False, p=rest_p)]
        fidx = [primary, *extra]
        fields_m[i, : len(fidx)] = fidx
        n_fields[i] = len(fidx)
        codes = [FIELDS[f] for f in fidx]
        fields_text = ";".join(codes if rng.random() < 0.6 else [FIELD_NAMES[c] for c in codes])
        for _ in range(100):
            name = _partner_name(rng, kind, scope, lang, region, iso3, city, FIELDS[primary], ref)
            if name not in names:
                break
        else:  # pragma: no cover - the template space is far larger than 444
            name = f"{name} ({city})"
        names.add(name)
        acronym = _acronym(name)
        if len(acronym) < 3:
            acronym += _fold_ascii(name.split()[-1])[1:3].upper()
        base, k = acronym, 2
        while acronym in acronyms:
            acronym, k = f"{base}{k}", k + 1
        acronyms.add(acronym)
        website = "" if rng.random() < 0.05 else f"https://www.{acronym.lower()}.org"
        rows.append(
            [
                pid,
                name,
                acronym,
                "NGO" if kind == "ngo" else "foundation",
                status,
                since.isoformat(),
                previous,
                city,
                _country_spelling(rng, iso3, ref),
                str(relations),
                fields_text,
                scope,
                website,
            ]
        )
        region_l.append(region)
        iso_l.append(iso3)
        nat_l.append(scope in ("national", "local"))
        assoc_l.append(status == "associate")
        rel_l.append(relations)
        since_l.append(since)
        prev_l.append(previous == "consultative")
    is_ngo = np.array([k == "ngo" for k in kinds])
    is_assoc = np.array(assoc_l)
    # Zipf-like activity levels; associates are more active, foundations less.
    rank = rng.permutation(len(ids)) + 1
    weight = (rank + 8.0) ** -1.0 * np.where(is_assoc, 1.6, 1.0) * np.where(is_ngo, 1.0, 0.6)
    return _Partners(
        frame=pd.DataFrame(rows, columns=PARTNER_COLUMNS),
        ids=np.array(ids, dtype=S),
        acronyms=np.array([r[2] for r in rows], dtype=S),
        is_ngo=is_ngo,
        is_associate=is_assoc,
        region=np.array(region_l),
        hq_iso3=np.array(iso_l),
        national=np.array(nat_l),
        fields=fields_m,
        n_fields=n_fields,
        relations_since=np.array(rel_l),
        status_since=np.array(since_l, dtype="datetime64[D]"),
        was_consultative=np.array(prev_l),
        weight=weight / weight.sum(),
    )


def _liaison_committee(
    rng: np.random.Generator, pt: _Partners, eligible: np.ndarray, date: str
) -> list[int]:
    """Ten NGOs, four associate and six consultative on the election date, every region covered."""
    w = np.sqrt(pt.weight)
    when = np.datetime64(date, "D")
    associate_then = pt.is_associate & (pt.status_since <= when)
    consultative_then = ~pt.is_associate | (pt.was_consultative & (pt.status_since > when))
    assoc = np.flatnonzero(eligible & pt.is_ngo & associate_then)
    consult = np.flatnonzero(eligible & pt.is_ngo & consultative_then)
    # Rejection sampling: a random draw covers all five regions often enough (~1 in 3).
    for _ in range(10_000):
        a = rng.choice(assoc, size=4, replace=False, p=w[assoc] / w[assoc].sum())
        c = rng.choice(consult, size=6, replace=False, p=w[consult] / w[consult].sum())
        members = [int(x) for x in (*a, *c)]
        if set(pt.region[members]) == set(REGIONS):
            return members
    raise RuntimeError("could not draw a Liaison Committee covering every region")


def _make_participation(rng: np.random.Generator, pt: _Partners) -> pd.DataFrame:
    """Conference sessions, Liaison Committee terms, Executive Board committees and forums."""
    rows: list[tuple[str, str, str, str, str]] = []
    ids = pt.ids.tolist()
    w = np.sqrt(pt.weight)  # participation is less skewed than activity

    def sample(eligible: np.ndarray, size: int, exclude: Sequence[int] = ()) -> list[int]:
        pool = np.setdiff1d(np.flatnonzero(eligible), np.array(exclude, dtype=np.int64))
        size = min(size, len(pool))
        return [
            int(x) for x in rng.choice(pool, size=size, replace=False, p=w[pool] / w[pool].sum())
        ]

    for year, date, attendance in CONFERENCES:
        eligible = pt.relations_since <= year
        members = _liaison_committee(rng, pt, eligible, date)
        # The Liaison Committee is chaired by the Conference's chair.
        chair = members[int(rng.integers(0, len(members)))]
        n = int(np.clip(attendance + rng.integers(-4, 5), 70, 130))
        attendees = sorted(members + sample(eligible, n - len(members), members))
        for i in attendees:
            role = "chair" if i == chair else ("speaker" if rng.random() < 0.08 else "participant")
            rows.append((ids[i], MECH_CONFERENCE, str(year), date, role))
        for i in sorted(members):
            role = "chair" if i == chair else "elected member"
            rows.append((ids[i], MECH_LIAISON, f"{year}-{year + 2}", date, role))

    session = FIRST_EB_SESSION
    for year in range(2012, 2025):
        for season in ("spring", "autumn"):
            month = (3 if year == 2012 else int(rng.integers(3, 5))) if season == "spring" else 10
            date = dt.date(year, month, int(rng.integers(1, 21))).isoformat()
            chosen = sample(pt.relations_since <= year, int(rng.integers(10, 41)))
            roles = rng.choice(
                ["participant", "observer", "speaker"], size=len(chosen), p=[0.6, 0.3, 0.1]
            )
            for i, role in zip(sorted(chosen), roles, strict=True):
                rows.append((ids[i], MECH_NGP, f"EB {session}", date, str(role)))
            session += 1

    for event, date in FORUMS:
        year = int(date[:4])
        chosen = sample(pt.relations_since <= year, int(rng.integers(30, 61)))
        for i in sorted(chosen):
            role = "speaker" if rng.random() < 0.15 else "participant"
            rows.append((ids[i], MECH_FORUM, event, date, role))
    return pd.DataFrame(rows, columns=PARTICIPATION_COLUMNS)


def _distinct_draws(rng: np.random.Generator, n: int, k: int, p: np.ndarray) -> np.ndarray:
    """An (n, k) array of indices drawn with probabilities p, distinct within each row."""
    cum = np.cumsum(p)
    last = len(p) - 1

    def draw(size: int) -> np.ndarray:
        return np.minimum(np.searchsorted(cum, rng.random(size) * cum[-1], side="right"), last)

    out = draw(n * k).reshape(n, k)
    # Redraw clashing cells column by column; loops over columns and retries, never over rows.
    for j in range(1, k):
        while True:
            clash = np.flatnonzero((out[:, j : j + 1] == out[:, :j]).any(axis=1))
            if clash.size == 0:
                break
            out[clash, j] = draw(clash.size)
    return out


def _join(table: np.ndarray, idx: np.ndarray, counts: np.ndarray, sep: str = ";") -> np.ndarray:
    """Join table[idx[i, :counts[i]]] with sep, row by row (vectorised; table is StringDType)."""
    out = table[idx[:, 0]]
    for j in range(1, idx.shape[1]):
        # Only the rows that have a j-th part: most rows have one, so this stays cheap.
        rows = np.flatnonzero(counts > j)
        out[rows] = np.strings.add(np.strings.add(out[rows], sep), table[idx[rows, j]])
    return out


def _days(d: dt.date) -> int:
    """Days since 1970-01-01 (numpy's datetime64[D] epoch)."""
    return (d - dt.date(1970, 1, 1)).days


def _make_activities(rng: np.random.Generator, pt: _Partners, n: int) -> dict[str, np.ndarray]:
    """n activities as StringDType columns, vectorised with numpy (no per-row Python)."""
    ref = get_reference()
    countries = [c for c in ref.countries if c.region_code and c.iso3 not in TERRITORIES]
    c_iso = np.array([c.iso3 for c in countries], dtype=S)
    c_name = np.array([c.name_en for c in countries], dtype=S)
    c_region = np.array([c.region_code for c in countries])
    # Some countries see much more cooperation than others; regions follow UNESCO priorities.
    c_w = rng.lognormal(0.0, 0.7, len(countries))
    for r, share in ACTIVITY_REGION_P.items():
        in_r = c_region == r
        c_w[in_r] *= share / c_w[in_r].sum()
    c_index = {c.iso3: i for i, c in enumerate(countries)}

    # Partners: lead first, then up to three more (75% single-partner activities).
    k = rng.choice([1, 2, 3, 4], size=n, p=[0.75, 0.15, 0.07, 0.03])
    who = _distinct_draws(rng, n, 4, pt.weight)
    lead = who[:, 0]
    partner_ids = _join(pt.ids, who, k)

    modality = np.where(rng.random(n) < 0.85, "bilateral", "collective").astype(S)

    # Field: usually one of the lead partner's fields, otherwise UNESCO's overall mix.
    own = pt.fields[lead, (rng.random(n) * pt.n_fields[lead]).astype(np.int64)]
    field = np.where(rng.random(n) < 0.6, own, rng.choice(5, size=n, p=ACTIVITY_FIELD_P))
    field_codes = np.array(FIELDS, dtype=S)[field]

    # Functional areas: 1-3 distinct, weighted by field (Gumbel top-k = sampling without
    # replacement, vectorised).
    n_areas = rng.choice([1, 2, 3], size=n, p=[0.5, 0.35, 0.15])
    keys = np.log(AREA_P[field]) + rng.gumbel(size=(n, len(AREAS)))
    top = np.argsort(-keys, axis=1)[:, :3]
    style = rng.choice(3, size=n, p=[0.55, 0.30, 0.15])
    terms = [t for t in ref.terms["area"] if t.code in AREAS]
    terms.sort(key=lambda t: AREAS.index(t.code))
    labels = np.array([[t.name_en.lower(), t.code, t.name_en] for t in terms], dtype=S)
    areas = _join(labels.ravel(), top * 3 + style[:, None], n_areas)

    # Geography: one country, several, a region, or global.
    geo = rng.choice(4, size=n, p=[0.60, 0.20, 0.12, 0.08])
    single = _distinct_draws(rng, n, 1, c_w)[:, 0]
    # National and local partners mostly work at home.
    home = pt.national[lead] & (rng.random(n) < 0.85)
    home_idx = np.array([c_index[x] for x in pt.hq_iso3])[lead]
    single = np.where(home, home_idx, single)
    multi = _distinct_draws(rng, n, 6, c_w)
    # Multi-country activities mostly stay within one region.
    row_region = rng.choice(len(REGIONS), size=n, p=[ACTIVITY_REGION_P[r] for r in REGIONS])
    same_region = (geo == 1) & (rng.random(n) < 0.75)
    for ri, r in enumerate(REGIONS):
        rows = np.flatnonzero(same_region & (row_region == ri))
        members = np.flatnonzero(c_region == r)
        multi[rows] = members[_distinct_draws(rng, rows.size, 6, c_w[members])]
    multi[:, 0] = np.where(geo == 1, multi[:, 0], single)
    m = rng.choice([2, 3, 4, 5, 6], size=n, p=[0.35, 0.25, 0.18, 0.12, 0.10])
    m = np.where(geo == 1, m, 1)
    region_codes = np.array(REGIONS, dtype=S)[row_region]
    countries_col = _join(c_iso, multi, m)
    countries_col = np.where(geo == 2, region_codes, countries_col)
    countries_col = np.where(geo == 3, np.array("global", dtype=S), countries_col)

    # Dates: growth over time, a dip in 2020; nothing before the lead's relations began.
    years = np.arange(2012, 2027)
    year_w = 1.08 ** (years - 2012)
    year_w[years == 2020] *= 0.6
    year_w[years == 2021] *= 0.85
    first = np.array([_days(dt.date(y, 1, 1)) for y in years])
    span = np.array([_days(dt.date(y + 1, 1, 1)) for y in years]) - first
    span[-1] = _days(ACTIVITY_LAST_START) - first[-1] + 1
    year_w *= span / 365
    yi = rng.choice(len(years), size=n, p=year_w / year_w.sum())
    start = first[yi] + (rng.random(n) * span[yi]).astype(np.int64)
    lo = np.array([_days(dt.date(int(y), 1, 1)) for y in pt.relations_since])[lead]
    last = _days(ACTIVITY_LAST_START)
    early = np.flatnonzero(start < lo)
    start[early] = lo[early] + (rng.random(early.size) * (last - lo[early] + 1)).astype(np.int64)
    as_of = _days(AS_OF)
    planned = rng.random(n) < PLANNED_SHARE
    start = np.where(planned, as_of + rng.integers(1, 241, size=n), start)
    months = np.arange(1, 37)
    month_p = np.exp(-months / 10)
    duration = rng.choice(months, size=n, p=month_p / month_p.sum())
    end = start + np.round(duration * 30.44).astype(np.int64)
    status = np.where(end < as_of, "completed", np.where(start > as_of, "planned", "ongoing"))
    status = np.where(rng.random(n) < 0.03, "cancelled", status).astype(S)
    start_s = start.astype("datetime64[D]").astype(S)
    end_s = end.astype("datetime64[D]").astype(S)

    # Budget: long-tailed, ~10% unknown, whole dollars (rounded) or cents.
    amount = rng.lognormal(np.log(25_000), 1.35, n)
    cents = np.round(amount * 100).astype(np.int64)
    whole = (np.maximum(np.round(amount / 100), 1) * 100).astype(np.int64).astype(S)
    two = np.array([f"{i:02d}" for i in range(100)], dtype=S)
    dec = np.strings.add(np.strings.add((cents // 100).astype(S), "."), two[cents % 100])
    budget = np.where(rng.random(n) < 0.65, whole, dec)
    budget = np.where(rng.random(n) < 0.10, np.array("", dtype=S), budget)

    # Title: area prefix + field topic + place (fragments combined vectorised).
    prefixes = np.array([TITLE_PREFIXES[a] for a in AREAS], dtype=S)
    topics = np.array([TITLE_TOPICS[f] for f in FIELDS], dtype=S)
    topic = topics[field, rng.integers(0, topics.shape[1], size=n)]
    prefix = prefixes[top[:, 0], rng.integers(0, prefixes.shape[1], size=n)]
    others = np.array(
        ["", "", " and 1 other country"] + [f" and {i} other countries" for i in range(2, 6)],
        dtype=S,
    )
    place = np.strings.add(np.strings.add(" in ", c_name[multi[:, 0]]), others[m])
    region_place = np.array([f" in {REGION_TITLE[r]}" for r in REGIONS], dtype=S)[row_region]
    place = np.where(geo == 2, region_place, place)
    place = np.where(geo == 3, np.array(" worldwide", dtype=S), place)
    title = np.strings.add(np.strings.add(np.strings.add(prefix, " on "), topic), place)

    acr = pt.acronyms[lead]
    variants = [
        np.strings.add(np.strings.add("Implemented by ", acr), " with national partners."),
        np.strings.add(
            np.strings.add(np.strings.add(acr, " and UNESCO work together on "), topic), "."
        ),
        np.strings.add(
            np.strings.add(np.strings.add("Part of ", acr), "'s programme on "),
            np.strings.add(topic, "."),
        ),
        np.array("", dtype=S),
    ]
    which = rng.choice(4, size=n, p=[0.3, 0.3, 0.25, 0.15])
    description = np.select([which == i for i in range(4)], variants, np.array("", dtype=S))

    width = max(6, len(str(n)))
    activity_id = np.strings.add("ACT-", np.strings.zfill(np.arange(1, n + 1).astype(S), width))
    return {
        "activity_id": activity_id,
        "partner_ids": partner_ids,
        "title": title,
        "modality": modality,
        "field": field_codes,
        "functional_areas": areas,
        "countries": countries_col,
        "start_date": start_s,
        "end_date": end_s,
        "status": status,
        "budget_usd": budget,
        "description": description,
    }


def _bad_rows(pt: _Partners) -> tuple[list[list[str]], list[list[str]], list[list[str]]]:
    """The deliberately bad rows (see DELIBERATE_BAD_ROWS), valid apart from their one fault."""
    dup = pt.frame.loc[pt.frame["partner_id"] == "NGO-0007"].iloc[0].tolist()
    dup[1] = dup[1] + " (duplicate entry)"
    partners = [
        [
            "NGO-0998",
            "",
            "XYZ",
            "NGO",
            "consultative",
            "2019-05-10",
            "",
            "Paris",
            "France",
            "2019",
            "ED",
            "national",
            "",
        ],
        dup,
    ]
    act = ["ED", "capacity_building", "KEN", "2019-03-01", "2019-09-30", "completed", "12000", ""]

    def a(key: str, pids: str, **changes: str) -> list[str]:
        row = dict(
            zip(
                [
                    "field",
                    "functional_areas",
                    "countries",
                    "start_date",
                    "end_date",
                    "status",
                    "budget_usd",
                    "description",
                ],
                act,
                strict=True,
            )
        )
        row.update(changes)
        return [
            key,
            pids,
            "Training workshop on adult literacy in Kenya",
            "bilateral",
            *row.values(),
        ]

    activities = [
        a("ACT-9900001", "NGO-9999"),
        a("ACT-9900002", "NGO-0001", countries="Atlantis"),
        a("ACT-9900003", "NGO-0001", start_date="2019-13-45"),
        a("ACT-9900004", "NGO-0001", budget_usd="-5000"),
        a("ACT-9900005", "NGO-0001", start_date="2021-06-01", end_date="2020-06-01"),
        a("ACT-9900006", "NGO-0001", budget_usd="60000000"),
    ]
    participation = [["NGO-8888", MECH_CONFERENCE, "2018", "2018-12-17", "participant"]]
    return partners, activities, participation


def _write_csv(columns: dict[str, np.ndarray], path: Path) -> None:
    """Write string columns with DuckDB (fast at a million rows); "" becomes an empty field."""
    data = {}
    for name, values in columns.items():
        values = np.asarray(values, dtype=S)
        obj = values.astype(object)
        obj[values == ""] = None  # NULL is written as an empty field, "" would be quoted
        data[name] = obj
    # dtype=object keeps pandas from converting every column to its own string type (slow).
    frame = pd.DataFrame(data, dtype=object)
    con = duckdb.connect()
    try:
        con.register("frame", frame)
        con.execute(f"COPY frame TO '{path.as_posix()}' (HEADER, DELIMITER ',')")
    finally:
        con.close()


def _with_rows(columns: dict[str, np.ndarray], rows: list[list[str]]) -> dict[str, np.ndarray]:
    """Columns with extra rows appended at the end."""
    return {
        name: np.concatenate([np.asarray(values, dtype=S), np.array([r[j] for r in rows], dtype=S)])
        for j, (name, values) in enumerate(columns.items())
    }


def write_demo(out_dir: Path, seed: int = 42, n_activities: int = 6000) -> dict[str, Path]:
    """Write partners, activities, participation, status_events and reports CSVs; return paths."""
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    # Independent streams so partners and participation do not depend on n_activities.
    rng_partners, rng_participation, rng_activities, rng_lifecycle = (
        np.random.default_rng(s) for s in np.random.SeedSequence(seed).spawn(4)
    )
    pt = _make_partners(rng_partners)
    participation = _make_participation(rng_participation, pt)
    activities = _make_activities(rng_activities, pt, n_activities)
    bad_p, bad_a, bad_e = _bad_rows(pt)
    tables = {
        "partners": _with_rows({c: pt.frame[c].to_numpy() for c in PARTNER_COLUMNS}, bad_p),
        "activities": _with_rows(activities, bad_a),
        "participation": _with_rows(
            {c: participation[c].to_numpy() for c in PARTICIPATION_COLUMNS}, bad_e
        ),
    }
    # Lifecycle (issue 12, etl/demo_lifecycle.py): status events and reports of these partners.
    events, reports = make_lifecycle(rng_lifecycle, pt.frame)
    tables["status_events"] = {c: np.array([r[j] for r in events], dtype=S) for j, c in enumerate(EVENT_COLUMNS)}  # fmt: skip
    tables["reports"] = {c: np.array([r[j] for r in reports], dtype=S) for j, c in enumerate(REPORT_COLUMNS)}  # fmt: skip
    paths = {}
    for name, columns in tables.items():
        paths[name] = out_dir / f"{name}.csv"
        _write_csv(columns, paths[name])
    return paths


if __name__ == "__main__":  # pragma: no cover
    args = sys.argv[1:]
    target = Path(args[0]) if args else Path("data/demo")
    count = int(args[1]) if len(args) > 1 else 6000
    for key, p in write_demo(
        target, seed=int(args[2]) if len(args) > 2 else 42, n_activities=count
    ).items():
        print(f"{key}: {p} ({p.stat().st_size:,} bytes)")
