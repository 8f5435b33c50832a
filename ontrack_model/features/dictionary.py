"""The feature dictionary: one `FeatureSpec` per matrix column, in matrix order.

Every feature is computed as of the cohort's as-of date from events dated strictly before it.
Windows end the day before the as-of date: "last term" is the 4 months before it, "last 12
months" the year before it, "last 3 years" the 36 months before it, "ever" everything before it.
"""

from __future__ import annotations

import hashlib

import pandas as pd

from ontrack_model.feature_spec import FeatureSpec
from ontrack_model.features.config import FeatureConfig
from ontrack_model.schema import ETHNICITY_CODES

TERM, M12, PREV12, Y3, EVER, NOW = (
    "last term",
    "last 12 months",
    "year before last",
    "last 3 years",
    "ever",
    "on the as-of date",
)

_NOT_IN_SCHOOL = "not in the local authority's schools in the {}, so {} not known"

# The relative-age words for the months of the school year, September (1) to August (12).
_BIRTH_MONTHS = tuple(
    f"{month}, {place}"
    for months, place in (
        (("September", "October", "November", "December"), "among the oldest in the year group"),
        (("January", "February", "March", "April"), "in the middle of the year group by age"),
        (("May", "June", "July", "August"), "among the youngest in the year group"),
    )
    for month in months
)


def _attendance() -> list[FeatureSpec]:
    src, grp = "attendance", "School attendance"

    def rate(name: str, window: str) -> FeatureSpec:
        return FeatureSpec(
            name,
            grp,
            f"Share of possible sessions attended, {window} (terms ended before the as-of date).",
            "rate",
            window,
            f"attendance {{value}} in the {window}",
            f"attended no sessions in the {window}",
            f"no attendance recorded in the {window}, as the child was not in the local authority's "
            "schools then",
            source=src,
        )

    return [
        rate("attendance_last_term", TERM),
        rate("attendance_12m", M12),
        rate("attendance_prev_12m", PREV12),
        FeatureSpec(
            "attendance_trend",
            grp,
            "Attendance in the last 12 months minus attendance in the 12 months before (percentage points).",
            "rate",
            "last 12 months vs the year before last",
            "attendance changed by {value} compared with the year before",
            "attendance unchanged from the year before",
            "change in attendance not known, as no attendance was recorded in one of the two years",
            source=src,
        ),
        rate("attendance_3y", Y3),
        FeatureSpec(
            "unauthorised_absence_12m",
            grp,
            "Share of possible sessions missed without authorisation, last 12 months.",
            "rate",
            M12,
            "unauthorised absence from {value} of sessions in the last 12 months",
            "no unauthorised absence in the last 12 months",
            "no attendance recorded in the last 12 months",
            source=src,
        ),
        FeatureSpec(
            "unauthorised_absence_3y",
            grp,
            "Share of possible sessions missed without authorisation, last 3 years.",
            "rate",
            Y3,
            "unauthorised absence from {value} of sessions in the last 3 years",
            "no unauthorised absence in the last 3 years",
            "no attendance recorded in the last 3 years",
            source=src,
        ),
        FeatureSpec(
            "persistent_absence_12m",
            grp,
            "1 if attendance in the last 12 months was below 90% (persistently absent), else 0.",
            "flag",
            M12,
            "persistently absent in the last 12 months, with attendance below 90%",
            "",
            "no attendance recorded in the last 12 months",
            source=src,
        ),
        FeatureSpec(
            "persistent_absence_terms_3y",
            grp,
            "Number of terms in the last 3 years with attendance below 90%.",
            "count",
            Y3,
            "{value} terms with attendance below 90% in the last 3 years",
            "no term with attendance below 90% in the last 3 years",
            "no attendance recorded in the last 3 years",
            source=src,
            fact_one="{value} term with attendance below 90% in the last 3 years",
        ),
    ]


def _exclusions() -> list[FeatureSpec]:
    src, grp = "exclusions; school_census; attendance", "Suspensions and exclusions"

    def susp(name: str, window: str) -> FeatureSpec:
        return FeatureSpec(
            name,
            grp,
            f"Number of suspensions (fixed-period exclusions) starting in the {window}.",
            "count",
            window,
            f"{{value}} suspensions in the {window}",
            f"no suspensions in the {window}",
            _NOT_IN_SCHOOL.format(window, "suspensions are"),
            source=src,
            fact_one=f"{{value}} suspension in the {window}",
        )

    return [
        susp("suspensions_last_term", TERM),
        susp("suspensions_12m", M12),
        susp("suspensions_3y", Y3),
        FeatureSpec(
            "suspensions_ever",
            grp,
            "Number of suspensions before the as-of date.",
            "count",
            EVER,
            "{value} suspensions on record",
            "no suspensions on record",
            source=src,
            fact_one="{value} suspension on record",
        ),
        FeatureSpec(
            "suspension_sessions_12m",
            grp,
            "Half-day sessions lost to suspensions in the last 12 months.",
            "count",
            M12,
            "{value} half-day sessions lost to suspensions in the last 12 months",
            "no sessions lost to suspensions in the last 12 months",
            _NOT_IN_SCHOOL.format(M12, "sessions lost to suspensions are"),
            source=src,
            fact_one="{value} half-day session lost to suspension in the last 12 months",
        ),
        FeatureSpec(
            "suspension_sessions_ever",
            grp,
            "Half-day sessions lost to suspensions before the as-of date.",
            "count",
            EVER,
            "{value} half-day sessions lost to suspensions",
            "no sessions lost to suspensions",
            source=src,
            fact_one="{value} half-day session lost to suspension",
        ),
        FeatureSpec(
            "permanent_exclusions_ever",
            grp,
            "Number of permanent exclusions before the as-of date.",
            "count",
            EVER,
            "permanently excluded {value} times",
            "never permanently excluded",
            source=src,
            fact_one="permanently excluded once",
        ),
        FeatureSpec(
            "months_since_last_suspension",
            grp,
            "Months from the start of the latest suspension to the as-of date; empty when there was none.",
            "months",
            EVER,
            "last suspended {value} months ago",
            "last suspended less than a month ago",
            "no suspensions on record",
            source=src,
            fact_one="last suspended {value} month ago",
        ),
    ]


def _school_context() -> list[FeatureSpec]:
    census = "school_census"
    return [
        FeatureSpec(
            "school_moves_3y",
            "School moves",
            "Number of changes of school between consecutive censuses in the last 3 years.",
            "count",
            Y3,
            "{value} changes of school in the last 3 years",
            "no changes of school in the last 3 years",
            source=census,
            fact_one="{value} change of school in the last 3 years",
        ),
        FeatureSpec(
            "school_moves_ever",
            "School moves",
            "Number of changes of school between consecutive censuses.",
            "count",
            EVER,
            "{value} changes of school since starting school",
            "no changes of school since starting school",
            source=census,
            fact_one="{value} change of school since starting school",
        ),
        FeatureSpec(
            "missed_censuses_3y",
            "School moves",
            "Gaps of more than 200 days between consecutive termly "
            "censuses in the last 3 years (missing from a school census).",
            "count",
            Y3,
            "missing from {value} school censuses in the last 3 years",
            "present at every school census in the last 3 years",
            source=census,
            fact_one="missing from {value} school census in the last 3 years",
        ),
        FeatureSpec(
            "months_known_to_schools",
            "School moves",
            "Months from the first school census or attendance record to the as-of date.",
            "months",
            EVER,
            "known to the local authority's schools for {value} months",
            "known to the local authority's schools for less than a month",
            source="school_census; attendance",
            fact_one="known to the local authority's schools for {value} month",
        ),
        FeatureSpec(
            "fsm_now",
            "Free school meals",
            "1 if eligible for free school meals at the latest census before the as-of date.",
            "flag",
            NOW,
            "eligible for free school meals",
            "",
            source=census,
        ),
        FeatureSpec(
            "fsm_ever",
            "Free school meals",
            "1 if eligible for free school meals at any census before the as-of date.",
            "flag",
            EVER,
            "eligible for free school meals at some point",
            "",
            source=census,
        ),
        FeatureSpec(
            "fsm_share",
            "Free school meals",
            "Share of the child's censuses at which they were eligible for free school meals.",
            "rate",
            EVER,
            "eligible for free school meals at {value} of school censuses",
            "never eligible for free school meals",
            source=census,
        ),
        FeatureSpec(
            "sen_support_now",
            "Special educational needs",
            "1 if on SEN support (code K) at the latest census.",
            "flag",
            NOW,
            "receives special educational needs support",
            "",
            source=census,
        ),
        FeatureSpec(
            "sen_ehcp_now",
            "Special educational needs",
            "1 if the child has an education, health and care plan (code E) at the latest census.",
            "flag",
            NOW,
            "has an education, health and care plan",
            "",
            source=census,
        ),
        FeatureSpec(
            "sen_ever",
            "Special educational needs",
            "1 if SEN support or an EHC plan was recorded at any census.",
            "flag",
            EVER,
            "has had special educational needs recorded",
            "",
            source=census,
        ),
        FeatureSpec(
            "eal",
            "English as an additional language",
            "1 if English is an additional language; empty when unknown.",
            "flag",
            NOW,
            "English is an additional language",
            "",
            "whether English is an additional language is not recorded",
            source="pupils",
        ),
        FeatureSpec(
            "birth_month_in_school_year",
            "Relative age",
            "Month of birth within the school year (1 = "
            "September, the oldest, to 12 = August, the youngest).",
            "ordinal",
            NOW,
            "born in {value}",
            "",
            "month of birth not recorded",
            source="pupils",
            value_words=_BIRTH_MONTHS,
        ),
    ]


def _social_care() -> list[FeatureSpec]:
    src, grp = "social_care", "Social-care referrals and contacts"

    def count(name: str, what: str, one: str, window: str) -> FeatureSpec:
        # `what` is plural ("referrals to social care"), `one` its singular ("referral to social care").
        when = "before the as-of date" if window == EVER else f"in the {window}"
        fact_when = "on record" if window == EVER else f"in the {window}"
        return FeatureSpec(
            name,
            grp,
            f"Number of {what} {when}.",
            "count",
            window,
            f"{{value}} {what} {fact_when}",
            f"no {what} {fact_when}",
            source=src,
            fact_one=f"{{value}} {one} {fact_when}",
        )

    def since(name: str, what: str) -> FeatureSpec:
        return FeatureSpec(
            name,
            grp,
            f"Months from the latest {what} to the as-of date; empty when there was none.",
            "months",
            EVER,
            f"last {what} {{value}} months ago",
            f"last {what} less than a month ago",
            f"no {what} on record",
            source=src,
            fact_one=f"last {what} {{value}} month ago",
        )

    contacts = ("contacts with social care", "contact with social care")
    referrals = ("referrals to social care", "referral to social care")
    assessments = ("social-work assessments", "social-work assessment")
    return [
        count("contacts_12m", *contacts, M12),
        count("contacts_3y", *contacts, Y3),
        count("contacts_ever", *contacts, EVER),
        count("referrals_12m", *referrals, M12),
        count("referrals_3y", *referrals, Y3),
        count("referrals_ever", *referrals, EVER),
        since("months_since_last_referral", "referral"),
        count("assessments_12m", *assessments, M12),
        count("assessments_3y", *assessments, Y3),
        count("assessments_ever", *assessments, EVER),
        since("months_since_last_assessment", "assessment"),
        FeatureSpec(
            "open_to_social_care",
            grp,
            "1 if an assessment, child-in-need plan, child-protection plan or care "
            "episode was open on the as-of date (early help is a separate feature).",
            "flag",
            NOW,
            "open to children's social care",
            "",
            source=src,
        ),
    ]


FACTOR_FEATURES: tuple[tuple[str, str, str, bool], ...] = (
    # (factor code, group, words, also a last-3-years feature)
    ("DA", "Domestic abuse", "domestic abuse", True),
    ("PMH", "Parental mental health", "parental mental health", True),
    ("PSM", "Parental substance misuse", "parental drug or alcohol misuse", True),
    ("NEG", "Neglect and abuse", "neglect", True),
    ("EMO", "Neglect and abuse", "emotional abuse", True),
    ("PHY", "Neglect and abuse", "physical abuse", True),
    ("SXA", "Neglect and abuse", "sexual abuse", False),
    ("CMH", "Child's mental health, going missing or exploitation", "the child's own mental health", False),
    ("MIS", "Child's mental health, going missing or exploitation", "the child going missing", False),
    ("CCE", "Child's mental health, going missing or exploitation", "criminal exploitation or gangs", False),
    ("YC", "Young carer or parental learning disability", "the child being a young carer", False),
    ("LD", "Young carer or parental learning disability", "parental learning disability", False),
)


def factor_feature_name(code: str, window: str) -> str:
    """Matrix column of an assessment factor over a window ('ever' or '3y')."""
    return f"factor_{code.lower()}_{window}"


def _factors() -> list[FeatureSpec]:
    specs = []
    for code, group, words, recent in FACTOR_FEATURES:
        specs.append(
            FeatureSpec(
                factor_feature_name(code, "ever"),
                group,
                f"1 if {words} was identified at the end of an assessment completed before the as-of date.",
                "flag",
                EVER,
                f"{words} identified at a social-work assessment",
                "",
                source="social_care",
            )
        )
        if recent:
            specs.append(
                FeatureSpec(
                    factor_feature_name(code, "3y"),
                    group,
                    f"1 if {words} was identified at the end of an assessment completed in the last 3 years.",
                    "flag",
                    Y3,
                    f"{words} identified at a social-work assessment in the last 3 years",
                    "",
                    source="social_care",
                )
            )
    return specs


def _plans() -> list[FeatureSpec]:
    src = "social_care"
    return [
        FeatureSpec(
            "cin_plan_current",
            "Child-in-need plans",
            "1 if on a child-in-need plan on the as-of date.",
            "flag",
            NOW,
            "currently on a child-in-need plan",
            "",
            source=src,
        ),
        FeatureSpec(
            "cin_plan_ever",
            "Child-in-need plans",
            "1 if a child-in-need plan started before the as-of date.",
            "flag",
            EVER,
            "has been on a child-in-need plan",
            "",
            source=src,
        ),
        FeatureSpec(
            "cp_plan_current",
            "Child-protection plans",
            "1 if on a child-protection plan on the as-of date.",
            "flag",
            NOW,
            "currently on a child-protection plan",
            "",
            source=src,
        ),
        FeatureSpec(
            "cp_plan_ever",
            "Child-protection plans",
            "1 if a child-protection plan started before the as-of date.",
            "flag",
            EVER,
            "has been on a child-protection plan",
            "",
            source=src,
        ),
        FeatureSpec(
            "cp_plans_ever",
            "Child-protection plans",
            "Number of child-protection plans started before the as-of date.",
            "count",
            EVER,
            "{value} child-protection plans on record",
            "",
            source=src,
            fact_one="{value} child-protection plan on record",
        ),
        FeatureSpec(
            "cp_plan_months",
            "Child-protection plans",
            "Months spent on child-protection plans before the as-of date.",
            "months",
            EVER,
            "{value} months on child-protection plans",
            "",
            source=src,
            fact_one="{value} month on a child-protection plan",
        ),
        FeatureSpec(
            "looked_after_ever",
            "Looked-after history",
            "1 if the child has been looked after (in care) before the as-of date.",
            "flag",
            EVER,
            "has been in care",
            "",
            source=src,
        ),
        FeatureSpec(
            "months_looked_after",
            "Looked-after history",
            "Months spent looked after before the as-of date.",
            "months",
            EVER,
            "{value} months in care",
            "",
            source=src,
            fact_one="{value} month in care",
        ),
        FeatureSpec(
            "early_help_current",
            "Early help",
            "1 if an early-help episode was open on the as-of date.",
            "flag",
            NOW,
            "currently receiving early help",
            "",
            source=src,
        ),
        FeatureSpec(
            "early_help_ever",
            "Early help",
            "1 if an early-help episode started before the as-of date.",
            "flag",
            EVER,
            "has received early help",
            "",
            source=src,
        ),
        FeatureSpec(
            "early_help_3y",
            "Early help",
            "Number of early-help episodes started in the last 3 years.",
            "count",
            Y3,
            "{value} periods of early help in the last 3 years",
            "no early help in the last 3 years",
            source=src,
            fact_one="{value} period of early help in the last 3 years",
        ),
    ]


def _police() -> list[FeatureSpec]:
    src, grp = "police_notifications", "Domestic abuse"

    def count(name: str, what: str, window: str, nouns: tuple[str, str], rest: str) -> FeatureSpec:
        # The fact is "{value} <noun> <rest>", with the plural or the singular (value 1) noun.
        when = "before the as-of date" if window == EVER else f"in the {window}"
        plural, one = nouns
        return FeatureSpec(
            name,
            grp,
            f"Number of police {what} for the household {when}.",
            "count",
            window,
            f"{{value}} {plural} {rest}",
            f"no {plural} {rest}",
            level="family",
            source=src,
            fact_one=f"{{value}} {one} {rest}",
        )

    notifications = ("police notifications", "police notification")
    da = "of domestic abuse in the household"
    return [
        count("police_da_12m", "domestic-abuse notifications", M12, notifications, f"{da} in the {M12}"),
        count("police_da_3y", "domestic-abuse notifications", Y3, notifications, f"{da} in the {Y3}"),
        count("police_da_ever", "domestic-abuse notifications", EVER, notifications, f"{da} on record"),
        count(
            "police_da_children_present_ever",
            "domestic-abuse notifications with children present",
            EVER,
            notifications,
            f"{da} with children present",
        ),
        count(
            "police_da_crimes_ever",
            "domestic-abuse crimes",
            EVER,
            ("domestic-abuse crimes", "domestic-abuse crime"),
            "in the household recorded by the police",
        ),
    ]


def _siblings() -> list[FeatureSpec]:
    src, grp = "pupils; social_care", "Siblings' social-care history"

    def siblings(name: str, description: str, window: str, fact: str, fact_one: str) -> FeatureSpec:
        return FeatureSpec(
            name, grp, description, "count", window, fact, "", level="family", source=src, fact_one=fact_one
        )

    return [
        FeatureSpec(
            "siblings",
            "Household size",
            "Number of brothers and sisters in the household born before the as-of date.",
            "count",
            NOW,
            "{value} brothers or sisters known to the local authority",
            "no brothers or sisters known to the local authority",
            level="family",
            source="pupils",
            fact_one="{value} brother or sister known to the local authority",
        ),
        siblings(
            "sibling_referrals_3y",
            "Referrals to social care of the child's siblings in the last 3 years.",
            Y3,
            "{value} referrals of brothers or sisters to social care in the last 3 years",
            "{value} referral of a brother or sister to social care in the last 3 years",
        ),
        siblings(
            "sibling_referrals_ever",
            "Referrals to social care of the child's siblings before the as-of date.",
            EVER,
            "{value} referrals of brothers or sisters to social care",
            "{value} referral of a brother or sister to social care",
        ),
        siblings(
            "sibling_cin_plan_ever",
            "Siblings who have been on a child-in-need plan.",
            EVER,
            "{value} brothers or sisters have been on a child-in-need plan",
            "{value} brother or sister has been on a child-in-need plan",
        ),
        siblings(
            "sibling_cp_plan_current",
            "Siblings on a child-protection plan on the as-of date.",
            NOW,
            "{value} brothers or sisters currently on a child-protection plan",
            "{value} brother or sister currently on a child-protection plan",
        ),
        siblings(
            "sibling_cp_plan_ever",
            "Siblings who have been on a child-protection plan.",
            EVER,
            "{value} brothers or sisters have been on a child-protection plan",
            "{value} brother or sister has been on a child-protection plan",
        ),
        siblings(
            "sibling_looked_after_current",
            "Siblings looked after on the as-of date.",
            NOW,
            "{value} brothers or sisters currently in care",
            "{value} brother or sister currently in care",
        ),
        siblings(
            "sibling_looked_after_ever",
            "Siblings who have been looked after before the as-of date.",
            EVER,
            "{value} brothers or sisters have been in care",
            "{value} brother or sister has been in care",
        ),
    ]


def _protected(config: FeatureConfig) -> list[FeatureSpec]:
    specs = []
    if "sex" in config.include_protected:
        specs.append(
            FeatureSpec(
                "sex_female",
                "Sex",
                "1 if recorded as female in the school census.",
                "flag",
                NOW,
                "recorded as female",
                "recorded as male",
                source="pupils",
            )
        )
    if "ethnicity" in config.include_protected:
        for code, label in ETHNICITY_CODES.items():
            specs.append(
                FeatureSpec(
                    f"ethnicity_{code.lower()}",
                    "Ethnicity",
                    f"1 if ethnicity is recorded as {label}.",
                    "flag",
                    NOW,
                    f"ethnicity recorded as {label}",
                    "",
                    source="pupils",
                )
            )
    return specs


_STANDARD: tuple[FeatureSpec, ...] = tuple(
    _attendance()
    + _exclusions()
    + _school_context()
    + _social_care()
    + _factors()
    + _plans()
    + _police()
    + _siblings()
)


def feature_specs(config: FeatureConfig | None = None) -> dict[str, FeatureSpec]:
    """Every matrix column for `config`, in matrix order (protected characteristics last, if asked)."""
    specs = list(_STANDARD) + _protected(config or FeatureConfig())
    return {s.name: s for s in specs}


FEATURES: dict[str, FeatureSpec] = feature_specs()
"""The standard matrix columns, in order."""


def feature_dictionary(config: FeatureConfig | None = None) -> pd.DataFrame:
    """The feature dictionary for evaluators: name, group, description, kind, window, level, source."""
    specs = feature_specs(config).values()
    columns = ["name", "group", "description", "kind", "window", "level", "source"]
    return pd.DataFrame([[getattr(s, c) for c in columns] for s in specs], columns=columns)


def _version() -> str:
    # A content hash: any change to a name, meaning or window yields a new version automatically.
    text = feature_dictionary().to_csv(index=False)
    return "fd-" + hashlib.sha256(text.encode()).hexdigest()[:12]


FEATURE_DICTIONARY_VERSION: str = _version()
"""Identifies the standard dictionary; models record it and refuse matrices built by another."""
