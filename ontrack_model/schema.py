"""The data contract: every table an extract must provide, its columns, types, codes and rules.

This module is the single place the contract lives. `validation.py` checks an extract against
it and loads typed tables; `synth.py` writes a synthetic world that satisfies it; `data/README.md`
documents it for an analyst preparing a real extract.

Identifiers are pseudonymous strings. The contract deliberately holds no names, no full dates of
birth (only the birth month) and no free text.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

ColumnType = Literal["str", "int", "float", "date", "month", "code"]

MANIFEST_FILE = "manifest.json"
"""Every extract directory holds a manifest naming its extract date (see `Manifest`)."""

TRUTH_DIR = "truth"
"""Synthetic worlds only: the generator's ground truth. No pipeline code may read it."""


@dataclass(frozen=True)
class Column:
    """One column of a table."""

    name: str
    type: ColumnType
    description: str
    required: bool = True  # False: the value may be empty (the column itself must exist)
    codes: tuple[str, ...] | None = None  # allowed values when type == "code"
    minimum: float | None = None
    maximum: float | None = None


@dataclass(frozen=True)
class RowRule:
    """A rule relating columns of one row, e.g. end_date >= start_date."""

    name: str
    description: str
    left: str
    op: Literal[">=", "<="]
    right: tuple[str, ...]  # compared with the sum of these columns


@dataclass(frozen=True)
class Table:
    """One table of the extract: one file named `<name>.csv` or `<name>.parquet`."""

    name: str
    description: str
    columns: tuple[Column, ...]
    key: tuple[str, ...]
    row_rules: tuple[RowRule, ...] = field(default_factory=tuple)
    optional: bool = False  # an extract may omit the whole table

    @property
    def column_names(self) -> list[str]:
        """Column names in contract order."""
        return [c.name for c in self.columns]

    def column(self, name: str) -> Column:
        """The column called `name`."""
        for col in self.columns:
            if col.name == name:
                return col
        raise KeyError(f"table {self.name!r} has no column {name!r}")


# --- Code lists -------------------------------------------------------------------------------

SEX_CODES = ("F", "M")
ETHNICITY_CODES = {
    # DfE ethnicity major groups as used in the school census.
    "WHIT": "White",
    "MIXD": "Mixed / multiple ethnic groups",
    "ASIA": "Asian or Asian British",
    "BLAC": "Black, Black British, Caribbean or African",
    "CHIN": "Chinese",
    "AOEG": "Any other ethnic group",
    "UNCL": "Unclassified or refused",
}
YES_NO_UNKNOWN = ("Y", "N", "U")
YES_NO = ("Y", "N")
SEN_CODES = {"N": "No special educational need", "K": "SEN support", "E": "EHC plan"}
TERM_CODES = {"AUT": "Autumn term", "SPR": "Spring term", "SUM": "Summer term"}
EXCLUSION_CATEGORIES = {"SUSP": "Suspension (fixed-period exclusion)", "PERM": "Permanent exclusion"}
EXCLUSION_REASONS = {
    # DfE exclusion reason codes.
    "PP": "Physical assault against a pupil",
    "PA": "Physical assault against an adult",
    "VP": "Verbal abuse or threatening behaviour against a pupil",
    "VA": "Verbal abuse or threatening behaviour against an adult",
    "BU": "Bullying",
    "RA": "Racist abuse",
    "DM": "Damage",
    "DA": "Drug and alcohol related",
    "TH": "Theft",
    "DB": "Persistent disruptive behaviour",
    "OT": "Other",
}
EPISODE_TYPES = {
    "CONTACT": "Contact with children's social care",
    "REFERRAL": "Referral to children's social care",
    "ASSESSMENT": "Social-work (child and family) assessment",
    "EARLY_HELP": "Early-help episode",
    "CIN_PLAN": "Child-in-need plan",
    "CP_PLAN": "Child-protection plan",
    "LAC": "Looked after (in care); the start of an episode is an entry to care",
}
ASSESSMENT_FACTORS = {
    # Factors identified at the end of assessment (CIN census), shortened codes.
    "DA": "Domestic abuse",
    "PMH": "Parental mental health",
    "PSM": "Parental substance misuse (drugs or alcohol)",
    "NEG": "Neglect",
    "EMO": "Emotional abuse",
    "PHY": "Physical abuse",
    "SXA": "Sexual abuse",
    "CMH": "Child's own mental health",
    "MIS": "Child going missing",
    "CCE": "Child criminal exploitation or gangs",
    "YC": "Young carer",
    "LD": "Parental learning disability",
}
NOTIFICATION_TYPES = {
    "DA_INCIDENT": "Domestic-abuse incident attended by police",
    "DA_CRIME": "Domestic-abuse crime recorded by police",
}
FACTOR_SEPARATOR = ";"


def _dates(start: str, end: str) -> RowRule:
    return RowRule(
        name=f"{end} >= {start}",
        description=f"{end} must not be before {start}",
        left=end,
        op=">=",
        right=(start,),
    )


# --- Tables ------------------------------------------------------------------------------------

PUPILS = Table(
    name="pupils",
    description=(
        "One row per child known to the linked school and social-care extract (cohort members "
        "and their siblings)."
    ),
    columns=(
        Column("pupil_id", "str", "Pseudonymous child identifier, the same in every table"),
        Column("family_id", "str", "Pseudonymous household identifier shared by siblings"),
        Column("sex", "code", "Sex as recorded in the school census", codes=SEX_CODES),
        Column("ethnicity", "code", "DfE ethnicity major group", codes=tuple(ETHNICITY_CODES)),
        Column("birth_month", "month", "Month of birth as YYYY-MM (never the full date)"),
        Column("eal", "code", "English as an additional language (Y/N/U)", codes=YES_NO_UNKNOWN),
        Column(
            "left_la_date",
            "date",
            "Date the child left the local authority's schools (moved away); empty if not",
            required=False,
        ),
    ),
    key=("pupil_id",),
)

SCHOOL_CENSUS = Table(
    name="school_census",
    description="One row per pupil per termly school census (autumn, spring, summer).",
    columns=(
        Column("pupil_id", "str", "Pseudonymous child identifier"),
        Column("census_date", "date", "Census day"),
        Column("school_id", "str", "Pseudonymous school identifier"),
        Column("borough", "str", "Borough of the school (e.g. LBHF, RBKC, WCC)"),
        Column("year_group", "int", "National curriculum year (0 = Reception)", minimum=0, maximum=14),
        Column("fsm", "code", "Eligible for free school meals on census day (Y/N)", codes=YES_NO),
        Column("sen_status", "code", "Special educational needs provision", codes=tuple(SEN_CODES)),
    ),
    key=("pupil_id", "census_date"),
)

ATTENDANCE = Table(
    name="attendance",
    description="One row per pupil per school per term: sessions possible and absences.",
    columns=(
        Column("pupil_id", "str", "Pseudonymous child identifier"),
        Column("school_id", "str", "Pseudonymous school identifier"),
        Column("academic_year", "str", "School year as YYYY/YY, e.g. 2018/19"),
        Column("term", "code", "Term", codes=tuple(TERM_CODES)),
        Column("period_start", "date", "First day of the term (or of enrolment in it)"),
        Column("period_end", "date", "Last day of the term (or of enrolment in it)"),
        Column("possible_sessions", "int", "Half-day sessions the pupil could attend", minimum=0),
        Column("authorised_absence", "int", "Sessions missed with authorisation", minimum=0),
        Column("unauthorised_absence", "int", "Sessions missed without authorisation", minimum=0),
    ),
    key=("pupil_id", "school_id", "academic_year", "term"),
    row_rules=(
        _dates("period_start", "period_end"),
        RowRule(
            name="absence <= possible_sessions",
            description="authorised + unauthorised absence cannot exceed possible sessions",
            left="possible_sessions",
            op=">=",
            right=("authorised_absence", "unauthorised_absence"),
        ),
    ),
)

EXCLUSIONS = Table(
    name="exclusions",
    description="One row per suspension or permanent exclusion.",
    columns=(
        Column("exclusion_id", "str", "Pseudonymous record identifier"),
        Column("pupil_id", "str", "Pseudonymous child identifier"),
        Column("school_id", "str", "Pseudonymous school identifier"),
        Column("start_date", "date", "First day of the exclusion"),
        Column("category", "code", "Suspension or permanent", codes=tuple(EXCLUSION_CATEGORIES)),
        Column("sessions", "int", "Half-day sessions excluded", minimum=1, maximum=400),
        Column("reason", "code", "DfE reason code", codes=tuple(EXCLUSION_REASONS)),
    ),
    key=("exclusion_id",),
)

SOCIAL_CARE = Table(
    name="social_care",
    description=(
        "One row per children's social-care episode of a child: contact, referral, assessment, "
        "early help, child-in-need plan, child-protection plan, looked after."
    ),
    columns=(
        Column("episode_id", "str", "Pseudonymous episode identifier"),
        Column("pupil_id", "str", "Pseudonymous child identifier (a row of `pupils`)"),
        Column("episode_type", "code", "Kind of episode", codes=tuple(EPISODE_TYPES)),
        Column("start_date", "date", "Start of the episode (contact/referral: its date)"),
        Column("end_date", "date", "End of the episode; empty while it is open", required=False),
        Column(
            "factors",
            "str",
            "ASSESSMENT only: factors identified at the end of assessment, codes separated by ';'",
            required=False,
        ),
    ),
    key=("episode_id",),
    row_rules=(_dates("start_date", "end_date"),),
)

POLICE_NOTIFICATIONS = Table(
    name="police_notifications",
    description="One row per police notification of a domestic-abuse incident in a household.",
    columns=(
        Column("notification_id", "str", "Pseudonymous notification identifier"),
        Column("family_id", "str", "Pseudonymous household identifier"),
        Column("incident_date", "date", "Date of the incident"),
        Column("notification_type", "code", "Kind of notification", codes=tuple(NOTIFICATION_TYPES)),
        Column("children_present", "code", "Children present at the incident", codes=YES_NO_UNKNOWN),
    ),
    key=("notification_id",),
)

TABLES: dict[str, Table] = {
    t.name: t
    for t in (PUPILS, SCHOOL_CENSUS, ATTENDANCE, EXCLUSIONS, SOCIAL_CARE, POLICE_NOTIFICATIONS)
}
"""The event tables of a school and social-care extract, in dependency order."""

FOREIGN_KEYS: tuple[tuple[str, str, str, str], ...] = (
    # (table, column, referenced table, referenced column)
    ("school_census", "pupil_id", "pupils", "pupil_id"),
    ("attendance", "pupil_id", "pupils", "pupil_id"),
    ("exclusions", "pupil_id", "pupils", "pupil_id"),
    ("social_care", "pupil_id", "pupils", "pupil_id"),
    ("police_notifications", "family_id", "pupils", "family_id"),
)

SCORE15_ITEMS = tuple(f"item_{i}" for i in range(1, 16))
SCORE15_ROLES = ("young_person", "sibling", "parent", "carer", "other_adult")

SCORE15_RESPONSES = Table(
    name="score15_responses",
    description=(
        "SCORE-15 questionnaires: one row per respondent per administration. The file's coding "
        "(paper or reversed) is stated by whoever imports it, never guessed."
    ),
    columns=(
        Column("family_id", "str", "Pseudonymous household identifier"),
        Column("respondent_id", "str", "Pseudonymous respondent identifier"),
        Column("role", "code", "Respondent's role in the family", codes=SCORE15_ROLES),
        Column(
            "age",
            "int",
            "Respondent's age in years on the day (SCORE-15 is for 12 or over; younger ones are flagged)",
            minimum=0,
        ),
        Column("date", "date", "Date the questionnaire was completed"),
        *(
            Column(item, "int", f"SCORE-15 {item.replace('_', ' ')} (1-5)", required=False,
                   minimum=1, maximum=5)
            for item in SCORE15_ITEMS
        ),
    ),
    key=("respondent_id", "date"),
    optional=True,
)
