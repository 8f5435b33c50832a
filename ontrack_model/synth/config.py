"""What a synthetic world is asked to be: years, size, seed, surveillance bias and file format.

`SynthConfig.build` turns the user's options into a checked configuration; every impossible
value raises `ConfigError` naming the option and the rule it breaks.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from ontrack_model.errors import ConfigError
from ontrack_model.schema import ETHNICITY_CODES, SEX_CODES

TRI_BOROUGH = "tri-borough"
NATIONAL = "national"
SCALES = (TRI_BOROUGH, NATIONAL)

# base-rates.md: "Year 6 cohort, inner-London borough: roughly 1,000-1,700 state-school pupils".
TRI_BOROUGH_YEAR6 = {"LBHF": 1300, "RBKC": 1050, "WCC": 1550}
# England has about 650,000 Year 6 pupils a year (DfE school census); ~150 local authorities.
NATIONAL_YEAR6 = 650_000
NATIONAL_LA_COUNT = 150
MIN_YEAR6 = 50
MAX_YEAR6 = 1_000_000
# Records start 12 years before the first cohort and the oldest sibling is born up to 30 years before
# it; the extract reader rejects dates before 1990 and birth months before 1980.
MIN_YEAR, MAX_YEAR = 2010, 2100
FILE_FORMATS = ("csv", "parquet")
# Attributes other than ethnicity that a surveillance bias may name, with their values.
BIAS_ATTRIBUTES = {"sex": SEX_CODES, "fsm": ("Y", "N")}


@dataclass(frozen=True)
class SynthConfig:
    """A checked request for one synthetic world."""

    seed: int
    first_year: int
    last_year: int
    scale: str | int
    year6_by_borough: dict[str, int]
    surveillance_bias: dict[str, float] = field(default_factory=dict)
    file_format: str = "csv"

    @property
    def boroughs(self) -> list[str]:
        """Borough (local-authority) codes, in order."""
        return list(self.year6_by_borough)

    @property
    def cohorts(self) -> list[int]:
        """Cohort years: Year 6 in the school year ending in each of these calendar years."""
        return list(range(self.first_year, self.last_year + 1))

    @classmethod
    def build(
        cls,
        *,
        seed: int,
        first_year: int,
        last_year: int,
        scale: str | int,
        surveillance_bias: dict[str, float] | None,
        file_format: str,
    ) -> SynthConfig:
        """Check the options and return the configuration (ConfigError on the first bad one)."""
        if not isinstance(seed, int) or seed < 0:
            raise ConfigError(f"--seed must be a whole number >= 0, got {seed!r}")
        for name, year in (("--first-year", first_year), ("--last-year", last_year)):
            if not isinstance(year, int) or not MIN_YEAR <= year <= MAX_YEAR:
                raise ConfigError(f"{name} must be a year between {MIN_YEAR} and {MAX_YEAR}, got {year!r}")
        if first_year > last_year:
            raise ConfigError(
                f"--first-year ({first_year}) is after --last-year ({last_year}): the first cohort "
                "must not come after the last"
            )
        if file_format not in FILE_FORMATS:
            raise ConfigError(f"--format must be one of {', '.join(FILE_FORMATS)}, got {file_format!r}")
        return cls(
            seed=seed,
            first_year=first_year,
            last_year=last_year,
            scale=normalise_scale(scale),
            year6_by_borough=year6_by_borough(scale),
            surveillance_bias=parse_bias(surveillance_bias or {}),
            file_format=file_format,
        )


def normalise_scale(scale: str | int) -> str | int:
    """'tri-borough', 'national' or a whole number of Year 6 pupils a year (ConfigError otherwise)."""
    if isinstance(scale, bool):
        raise ConfigError(f"--scale must be {' or '.join(SCALES)} or a number of pupils, got {scale!r}")
    if isinstance(scale, str):
        text = scale.strip().lower()
        if text in SCALES:
            return text
        if not text.isdigit():
            raise ConfigError(
                f"--scale must be {' or '.join(SCALES)} or a whole number of Year 6 pupils a year, "
                f"got {scale!r}"
            )
        scale = int(text)
    if not isinstance(scale, int) or not MIN_YEAR6 <= scale <= MAX_YEAR6:
        raise ConfigError(
            f"--scale as a number of Year 6 pupils a year must be between {MIN_YEAR6} and {MAX_YEAR6:,}, "
            f"got {scale!r}"
        )
    return scale


def year6_by_borough(scale: str | int) -> dict[str, int]:
    """Target Year 6 pupils a year in each borough for a scale."""
    scale = normalise_scale(scale)
    if scale == TRI_BOROUGH:
        return dict(TRI_BOROUGH_YEAR6)
    if scale == NATIONAL:
        return _split(NATIONAL_YEAR6, [f"LA{i:03d}" for i in range(1, NATIONAL_LA_COUNT + 1)], uneven=True)
    return _split(int(scale), list(TRI_BOROUGH_YEAR6), uneven=False)


def _split(total: int, codes: list[str], *, uneven: bool) -> dict[str, int]:
    # National LAs differ in size (a fixed, seed-free pattern from ~0.4x to ~1.6x the mean);
    # an integer scale keeps the tri-borough proportions.
    if uneven:
        weights = [0.4 + 1.2 * ((i * 37) % len(codes)) / (len(codes) - 1) for i in range(len(codes))]
    else:
        weights = [TRI_BOROUGH_YEAR6[c] for c in codes]
    raw = [total * w / sum(weights) for w in weights]
    sizes = [int(r) for r in raw]
    # Hand the rounding remainder to the largest fractional parts so the sizes add up to total.
    order = sorted(range(len(raw)), key=lambda i: raw[i] - sizes[i], reverse=True)
    for i in order[: total - sum(sizes)]:
        sizes[i] += 1
    return dict(zip(codes, sizes, strict=True))


def parse_bias(bias: dict[str, float]) -> dict[str, float]:
    """Check surveillance-bias groups and factors; keys become 'BLAC', 'sex:M' or 'fsm:Y'."""
    out: dict[str, float] = {}
    for raw_group, raw_factor in bias.items():
        group = _normalise_group(str(raw_group))
        try:
            factor = float(raw_factor)
        except (TypeError, ValueError):
            raise ConfigError(
                f"--surveillance-bias {raw_group}: the factor must be a number > 0, got {raw_factor!r}"
            ) from None
        if not 0 < factor < float("inf"):
            raise ConfigError(f"--surveillance-bias {raw_group}: the factor must be > 0, got {factor}")
        out[group] = factor
    return dict(sorted(out.items()))


def parse_bias_option(text: str) -> tuple[str, float]:
    """Split one 'GROUP=FACTOR' command-line value (ConfigError naming it if malformed)."""
    group, sep, factor = text.partition("=")
    if not sep or not group.strip() or not factor.strip():
        raise ConfigError(
            f"--surveillance-bias {text!r}: expected GROUP=FACTOR, e.g. BLAC=2.5 or sex:M=1.5 or fsm:Y=2"
        )
    try:
        value = float(factor)
    except ValueError:
        raise ConfigError(f"--surveillance-bias {text!r}: the factor {factor!r} is not a number") from None
    ((name, checked),) = parse_bias({group.strip(): value}).items()
    return name, checked


def _normalise_group(group: str) -> str:
    allowed = ", ".join(ETHNICITY_CODES) + ", " + ", ".join(
        f"{attr}:{v}" for attr, values in BIAS_ATTRIBUTES.items() for v in values
    )
    attr, sep, value = group.partition(":")
    if not sep:
        if group.upper() in ETHNICITY_CODES:
            return group.upper()
        raise ConfigError(f"--surveillance-bias: unknown group {group!r}; use one of {allowed}")
    attr = attr.strip().lower()
    if attr == "ethnicity" and value.strip().upper() in ETHNICITY_CODES:
        return value.strip().upper()
    if attr in BIAS_ATTRIBUTES and value.strip().upper() in BIAS_ATTRIBUTES[attr]:
        return f"{attr}:{value.strip().upper()}"
    raise ConfigError(f"--surveillance-bias: unknown group {group!r}; use one of {allowed}")
