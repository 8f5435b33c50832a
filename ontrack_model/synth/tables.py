"""Turn the simulated world into the contract's tables (Arrow), with pseudonymous identifiers.

Children, families, episodes and records get numbers from seeded permutations, so an identifier
says nothing about order of birth, family or place; rows are sorted by pupil and date.
"""

from __future__ import annotations

import numpy as np
import pyarrow as pa

from ontrack_model.schema import (
    EPISODE_TYPES,
    ETHNICITY_CODES,
    EXCLUSION_CATEGORIES,
    NOTIFICATION_TYPES,
    SCORE15_ITEMS,
    SCORE15_RESPONSES,
    SCORE15_ROLES,
    SEN_CODES,
    TABLES,
    YES_NO_UNKNOWN,
)
from ontrack_model.synth.exclusions import REASONS
from ontrack_model.synth.population import FACTOR_CODES, NEVER
from ontrack_model.synth.school_calendar import TERMS
from ontrack_model.synth.social_care import ASSESSMENT
from ontrack_model.synth.streams import stream
from ontrack_model.synth.world_state import World
from ontrack_model.synth.writer import (
    academic_years,
    birth_months,
    codes,
    contract_table,
    dates,
    factor_strings,
    id_strings,
    ints,
)

SEX = ("F", "M")
FLAG = ("N", "Y")
EAL = ("N", "Y", "U")


class Identifiers:
    """Pseudonymous numbers of children and families (seeded permutations)."""

    def __init__(self, world: World) -> None:
        rng = stream(world.config.seed, "identifiers")
        pop = world.population
        self.child_number = rng.permutation(pop.n_children) + 1
        self.family_number = rng.permutation(pop.n_families) + 1
        self.pupil = id_strings("P", self.child_number, 8)
        self.family = id_strings("F", self.family_number, 8)
        self.child_family = id_strings("F", self.family_number[pop.child_family], 8)

    def pupils(self, child: np.ndarray) -> pa.Array:
        """pupil_id of each child index."""
        return self.pupil.take(pa.array(np.asarray(child, dtype=np.int64)))

    def families(self, family: np.ndarray) -> pa.Array:
        """family_id of each family index."""
        return self.family.take(pa.array(np.asarray(family, dtype=np.int64)))

    def order(self, child: np.ndarray, day: np.ndarray) -> np.ndarray:
        """Row order: by pupil_id, then date."""
        return np.lexsort((np.asarray(day), self.child_number[np.asarray(child)]))


def pupils_table(world: World, ids: Identifiers) -> pa.Table:
    """pupils: every child of the world."""
    pop = world.population
    order = np.argsort(ids.child_number, kind="stable")
    leave = pop.child_leave()[order]
    return contract_table(TABLES["pupils"], {
        "pupil_id": ids.pupils(order),
        "family_id": ids.child_family.take(pa.array(order)),
        "sex": codes(SEX, pop.child_sex[order]),
        "ethnicity": codes(tuple(ETHNICITY_CODES), pop.fam_ethnicity[pop.child_family[order]]),
        "birth_month": birth_months(pop.child_birth[order]),
        "eal": codes(EAL, pop.child_eal[order]),
        "left_la_date": dates(leave, missing=leave >= NEVER),
    })


def census_table(world: World, ids: Identifiers) -> pa.Table:
    """school_census: window children on roll on each census day."""
    c = world.census
    o = ids.order(c["child"].to_numpy(), c["census_day"].to_numpy())
    school = c["school"].to_numpy()[o]
    return contract_table(TABLES["school_census"], {
        "pupil_id": ids.pupils(c["child"].to_numpy()[o]),
        "census_date": dates(c["census_day"].to_numpy()[o]),
        "school_id": codes(world.schooling.school_ids, school),
        "borough": codes(world.config.boroughs, world.schooling.school_borough[school]),
        "year_group": ints(c["year_group"].to_numpy()[o]),
        "fsm": codes(FLAG, c["fsm"].to_numpy()[o].astype(np.int64)),
        "sen_status": codes(tuple(SEN_CODES), c["sen"].to_numpy()[o]),
    })


def attendance_table(world: World, ids: Identifiers) -> pa.Table:
    """attendance: one row per window child per school per term."""
    a = world.attendance
    o = ids.order(a["child"].to_numpy(), a["period_start"].to_numpy())
    col = {k: a[k].to_numpy()[o] for k in a.columns}
    return contract_table(TABLES["attendance"], {
        "pupil_id": ids.pupils(col["child"]),
        "school_id": codes(world.schooling.school_ids, col["school"]),
        "academic_year": academic_years(col["school_year"]),
        "term": codes(TERMS, col["term"]),
        "period_start": dates(col["period_start"]),
        "period_end": dates(col["period_end"]),
        "possible_sessions": ints(col["possible_sessions"]),
        "authorised_absence": ints(col["authorised_absence"]),
        "unauthorised_absence": ints(col["unauthorised_absence"]),
    })


def exclusions_table(world: World, ids: Identifiers) -> pa.Table:
    """exclusions: suspensions and permanent exclusions."""
    e = world.exclusions
    o = ids.order(e["child"].to_numpy(), e["day"].to_numpy())
    col = {k: e[k].to_numpy()[o] for k in e.columns}
    return contract_table(TABLES["exclusions"], {
        "exclusion_id": id_strings("X", np.arange(1, len(o) + 1), 8),
        "pupil_id": ids.pupils(col["child"]),
        "school_id": codes(world.schooling.school_ids, col["school"]),
        "start_date": dates(col["day"]),
        "category": codes(tuple(EXCLUSION_CATEGORIES), col["category"]),
        "sessions": ints(col["sessions"]),
        "reason": codes(REASONS, col["reason"]),
    })


def social_care_table(world: World, ids: Identifiers) -> pa.Table:
    """social_care: every recorded episode; episodes still open on the extract date have no end."""
    h = world.history
    o = np.lexsort((h["etype"].to_numpy(), h["start"].to_numpy(), ids.child_number[h["child"].to_numpy()]))
    col = {k: h[k].to_numpy()[o] for k in h.columns}
    masks = np.where(col["etype"] == ASSESSMENT, col["factors"], 0)
    return contract_table(TABLES["social_care"], {
        "episode_id": id_strings("E", np.arange(1, len(o) + 1), 9),
        "pupil_id": ids.pupils(col["child"]),
        "episode_type": codes(tuple(EPISODE_TYPES), col["etype"]),
        "start_date": dates(col["start"]),
        "end_date": dates(col["end"], missing=col["end"] > world.extract_day),
        "factors": factor_strings(masks, FACTOR_CODES),
    })


def police_table(world: World, ids: Identifiers) -> pa.Table:
    """police_notifications: domestic-abuse notifications per family."""
    p = world.police
    o = np.lexsort((p["day"].to_numpy(), ids.family_number[p["family"].to_numpy()]))
    col = {k: p[k].to_numpy()[o] for k in p.columns}
    return contract_table(TABLES["police_notifications"], {
        "notification_id": id_strings("N", np.arange(1, len(o) + 1), 8),
        "family_id": ids.families(col["family"]),
        "incident_date": dates(col["day"]),
        "notification_type": codes(tuple(NOTIFICATION_TYPES), col["type"]),
        "children_present": codes(YES_NO_UNKNOWN, col["children_present"]),
    })


def score15_table(world: World, ids: Identifiers) -> pa.Table:
    """score15_responses in paper coding (items missing where the respondent skipped them)."""
    s = world.score15
    columns = {
        "family_id": ids.families(s["family"].to_numpy()),
        "respondent_id": id_strings("R", s["respondent"].to_numpy(), 7),
        "role": codes(SCORE15_ROLES, s["role"].to_numpy()),
        "age": ints(s["age"].to_numpy()),
        "date": dates(s["day"].to_numpy()),
    }
    for item in SCORE15_ITEMS:
        values = s[item].to_numpy()
        columns[item] = ints(values, missing=values == 0)
    return contract_table(SCORE15_RESPONSES, columns)


def truth_table(world: World, ids: Identifiers) -> pa.Table:
    """truth/pupil_truth.csv: every cohort member's p_bayes and 5-year outcome."""
    m = world.outcomes.members
    o = np.lexsort((ids.child_number[m["child"].to_numpy()], m["cohort"].to_numpy()))
    return pa.table({
        "pupil_id": ids.pupils(m["child"].to_numpy()[o]),
        "cohort": ints(m["cohort"].to_numpy()[o]),
        "p_bayes": pa.array(np.round(m["p_bayes"].to_numpy()[o], 8), type=pa.float64()),
        "entered_care": ints(m["entered_care"].to_numpy()[o].astype(np.int64)),
    })


BUILDERS = {
    "pupils": pupils_table,
    "school_census": census_table,
    "attendance": attendance_table,
    "exclusions": exclusions_table,
    "social_care": social_care_table,
    "police_notifications": police_table,
    SCORE15_RESPONSES.name: score15_table,
}
assert set(BUILDERS) == set(TABLES) | {SCORE15_RESPONSES.name}
