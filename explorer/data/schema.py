"""The one schema for every curated data file.

Field names here are part of the project's API (the files on disk, the JSON the CLI prints and
the exports all use them). Rename nothing without saying so in the changelog of ``README.md``.

Files and their models:

* ``geodata/gazetteer.yaml``  -> :class:`Gazetteer`
* ``<corpus>/sources.yaml``   -> :class:`Sources`
* ``<corpus>/facts.yaml``     -> :class:`Facts`
* ``geodata/*.geojson``       -> :class:`FeatureProperties` (the ``properties`` of each feature)
* ``geodata/candidate_rules.yaml`` -> :class:`CandidateRules`
* ``lessons/*.yaml``          -> :class:`Lesson`

Every model rejects unknown keys, NaN and infinities, and text longer than :data:`MAX_TEXT`; names
and lists that the linker or the page multiply have tighter limits (a 1,000,000-character name once
crashed the linker's automaton).
"""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Literal

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, field_validator, model_validator

PLACE_ID = r"^[a-z][a-z0-9_]{0,63}$"
# ASCII digits only: \d would also take Arabic-Indic and full-width digits.
ISO_DATE_PREFIX = r"^[0-9]{4}(-[0-9]{2}(-[0-9]{2})?)?$"

# Limits: far above the curated data (longest text 526 characters, longest name 35, most names of a
# place 30, 47 places), far below what stalls the linker or the page.
MAX_TEXT = 5_000
MAX_NAME = 200
MAX_NAMES_PER_PLACE = 200
MAX_PLACES = 5_000
MAX_LIST = 2_000


def _calendar_date(value: str | None) -> str | None:
    """``YYYY``, ``YYYY-MM`` or ``YYYY-MM-DD`` naming a real day or month (``2016-13`` is refused)."""
    if value is None:
        return value
    parts = [int(part) for part in value.split("-")]
    try:
        dt.date(parts[0], parts[1] if len(parts) > 1 else 1, parts[2] if len(parts) > 2 else 1)
    except ValueError:
        raise ValueError(f"{value!r} is not a calendar date") from None
    return value


IsoDate = Annotated[str, Field(pattern=ISO_DATE_PREFIX), AfterValidator(_calendar_date)]

Lang = Literal["en", "ja", "ru"]
# How a name is written; lets the linker pick its matching rule.
Script = Literal["Latn", "Jpan", "Cyrl"]
NameKind = Literal["official", "variant", "historic", "group", "case_form", "reading"]
PlaceKind = Literal[
    "island",
    "islet",
    "group",
    "archipelago",
    "land",
    "site",
    "city",
    "country",
    "sea",
    # Features of an island (``parent`` is the island): a mention of one is an implicit mention of it.
    "town",
    "village",
    "port",
    "airfield",
    "base",
    "cape",
    "bay",
    "strait",
    "district",
]
# Kinds that are features of the island named in ``parent`` (see explorer.text.linking).
FEATURE_KINDS = frozenset({"town", "village", "port", "airfield", "base", "cape", "bay", "strait", "district"})
Layer = Literal["islands", "region", "sites", "none"]
Precision = Literal["day", "month", "year", "unknown"]
Status = Literal["deployed", "planned", "agreed", "existing", "arriving", "opposed", "held", "proposed", "exercise"]
Category = Literal[
    "coastal_missile_system",
    "air_defence",
    "radar",
    "missile_defence",
    "warship",
    "troops",
    "exercise",
    "military_modernization",
    "meeting",
    "fighter_aircraft",
    "border_post",
    "barracks",
]


class Strict(BaseModel):
    """Unknown keys are errors: a typo in a field name must not pass silently."""

    model_config = ConfigDict(extra="forbid", frozen=True, allow_inf_nan=False, str_max_length=MAX_TEXT)


class Name(Strict):
    """One name a place goes by.

    ``text`` is matched in articles exactly as written here (case-insensitively for Latin and
    Cyrillic). ``uncertain`` marks a name whose attribution the curators could not confirm.
    """

    text: str = Field(min_length=1, max_length=MAX_NAME)
    lang: Lang
    script: Script
    kind: NameKind
    romanization: str | None = None  # e.g. "Hepburn", "BGN/PCGN", "Hepburn without macrons"
    case: str | None = None  # for kind case_form: "genitive", "prepositional (на ...)", ...
    uncertain: bool = False
    note: str | None = None
    link: bool = True  # False: shown as a name but never matched in text (too ambiguous)
    # True: matched only when written with its capital letter (Кетой the island, кетой the fish).
    case_sensitive: bool = False

    @field_validator("text")
    @classmethod
    def _no_outer_space(cls, value: str) -> str:
        if value != value.strip():
            raise ValueError("name has leading or trailing whitespace")
        return value


class NotName(Strict):
    """A phrase that contains or resembles a name but must not link (Kuril Lake, Severo-Kurilsk)."""

    text: str = Field(min_length=1, max_length=MAX_NAME)
    reason: str = Field(min_length=1)


class BlockerPattern(Strict):
    """A family of look-alikes: any of ``names`` right after one of ``preceded_by`` or right before one
    of ``followed_by`` is not the place ("Habomai" + "fishing cooperative", "択捉" + "型").

    Latin and Cyrillic words are joined to the name with one space; Japanese ones touch it. ``names``
    are surfaces as written in text (any case), not place ids.
    """

    names: list[str] = Field(min_length=1)
    preceded_by: list[str] = Field(default_factory=list)
    followed_by: list[str] = Field(default_factory=list)
    reason: str = Field(min_length=1)

    @model_validator(mode="after")
    def _has_words(self) -> BlockerPattern:
        if not (self.preceded_by or self.followed_by):
            raise ValueError("a blocker pattern needs preceded_by or followed_by words")
        return self


class Anaphor(Strict):
    """A phrase that refers back to an island or group named earlier ("the island", "同島").

    ``number``: ``singular`` needs one island, ``dual`` two, ``plural`` one group (or two or more
    islands); the antecedent must be unambiguous.
    """

    text: str = Field(min_length=1)
    lang: Lang
    number: Literal["singular", "dual", "plural"]
    note: str | None = None


class AnaphoraRules(Strict):
    """Where an anaphor looks for its antecedent: its own paragraph, then up to ``paragraphs_back``
    earlier paragraphs of the same article (the nearest one that names an island decides)."""

    paragraphs_back: int = Field(default=0, ge=0, le=20)
    phrases: list[Anaphor] = Field(default_factory=list)
    # Words right after an anaphor that make it something else ("the island nation", "на острове Итуруп"
    # is handled by the capital letter that follows).
    not_before: list[str] = Field(default_factory=list)


class FuzzyRules(Strict):
    """Typos of names: one edit (a letter dropped, added, changed, or two swapped) in a name of at least
    ``min_length`` letters, matched only when written with a capital letter and not a word of ``never``."""

    enabled: bool = True
    min_length: int = Field(default=6, ge=4)
    never: list[str] = Field(default_factory=list)  # real words one edit from a name (from the build)


class ImplicitReference(Strict):
    """A phrase without a name that refers to the place ("the four islands")."""

    text: str = Field(min_length=1, max_length=MAX_NAME)
    lang: Lang
    note: str | None = None


class Place(Strict):
    """A place of the gazetteer, keyed by the same ``id`` as its geometry."""

    id: str = Field(pattern=PLACE_ID)
    kind: PlaceKind
    layer: Layer
    parent: str | None = Field(default=None, pattern=PLACE_ID)
    disputed: bool = False
    # Neutral wording of the facts on the ground and of the claim; required when disputed.
    administered_by: str | None = None
    claimed_by: str | None = None
    # The same as ISO 3166-1 alpha-2 codes, for shading the map by who administers and who claims.
    administrator: str | None = Field(default=None, pattern=r"^[A-Z]{2}$")
    claimant: str | None = Field(default=None, pattern=r"^[A-Z]{2}$")
    # A lon/lat point on the place: the geodata build picks the GSHHG polygon under it, and
    # point sites are drawn there. Sources for site coordinates go in ``location_source``.
    anchor: tuple[float, float] | None = None
    location_source: str | None = None
    # How far the anchor may be from the place, in km, when the source is approximate.
    location_uncertainty_km: float | None = Field(default=None, gt=0)
    members: list[str] = Field(default_factory=list, max_length=MAX_LIST)  # groups drawn as the union of members
    names: list[Name] = Field(min_length=1, max_length=MAX_NAMES_PER_PLACE)
    not_names: list[NotName] = Field(default_factory=list, max_length=MAX_NAMES_PER_PLACE)
    implicit: list[ImplicitReference] = Field(default_factory=list, max_length=MAX_NAMES_PER_PLACE)
    note: str | None = None

    @model_validator(mode="after")
    def _disputed_needs_both_sides(self) -> Place:
        if self.disputed and not (self.administered_by and self.claimed_by):
            raise ValueError("a disputed place needs both administered_by and claimed_by")
        if self.layer in ("islands", "region", "sites") and self.anchor is None and not self.members:
            raise ValueError(f"a place on layer {self.layer!r} needs an anchor or members")
        if self.kind in FEATURE_KINDS and not self.parent:
            raise ValueError(f"a {self.kind} is a feature of an island: it needs a parent")
        if self.anchor is not None:
            lon, lat = self.anchor
            if not (-180 <= lon <= 180 and -90 <= lat <= 90):
                raise ValueError("anchor must be [longitude, latitude] in degrees")
        return self

    def names_in(self, lang: Lang) -> list[Name]:
        return [name for name in self.names if name.lang == lang]

    def label(self, lang: Lang) -> str:
        """The place's first official name in ``lang`` (falling back to any name in it)."""
        names = self.names_in(lang)
        for name in names:
            if name.kind == "official":
                return name.text
        return names[0].text if names else self.names[0].text


class ViewWording(Strict):
    """How one point of view words the dispute (used by the map legend and group labels)."""

    label: str
    description: str
    group_name: dict[Lang, str]  # the name this view gives the four disputed groups


class LinkingRules(Strict):
    """Rules that apply to every place, recorded in the data so they can be read and changed."""

    # A name directly after one of these words names a vessel, not the place ("the ship Kunashir").
    vessel_prefixes: list[Annotated[str, Field(min_length=1, max_length=MAX_NAME)]] = Field(
        default_factory=list, max_length=MAX_LIST
    )
    # A name directly before one of these words names a person or an object, not the place.
    non_place_suffixes: list[Annotated[str, Field(min_length=1, max_length=MAX_NAME)]] = Field(
        default_factory=list, max_length=MAX_LIST
    )
    blocker_patterns: list[BlockerPattern] = Field(default_factory=list, max_length=MAX_LIST)
    anaphora: AnaphoraRules = AnaphoraRules()
    fuzzy: FuzzyRules = FuzzyRules()


class Gazetteer(Strict):
    version: int = Field(ge=1)
    views: dict[Literal["neutral", "japan", "russia"], ViewWording]
    linking: LinkingRules = LinkingRules()
    places: list[Place] = Field(min_length=1, max_length=MAX_PLACES)


class Article(Strict):
    """Metadata of one corpus article, read from the article itself. Unknown stays ``None``."""

    file: str = Field(min_length=1)
    headline: str | None = None
    outlet: str | None = None
    outlet_basis: str | None = None  # where in the text the outlet shows (or why it is inferred)
    date: IsoDate | None = None
    date_status: Literal["printed", "inferred", "unknown"] = "unknown"
    date_basis: str | None = None
    dateline: str | None = None
    language: Lang | None = None
    note: str | None = None
    url: str | None = Field(default=None, pattern=r"^https?://\S+$")  # where the article was published

    @field_validator("file")
    @classmethod
    def _base_name(cls, value: str) -> str:
        if "/" in value or "\\" in value:
            raise ValueError("file must be a base name inside the corpus folder")
        return value

    @model_validator(mode="after")
    def _date_status_agrees(self) -> Article:
        if (self.date is None) != (self.date_status == "unknown"):
            raise ValueError("date_status must be 'unknown' exactly when date is empty")
        if self.date is not None and not self.date_basis:
            raise ValueError("a date needs a date_basis saying where it comes from")
        return self


class Sources(Strict):
    version: int = Field(ge=1)
    articles: list[Article]


class Quote(Strict):
    """A W3C Web Annotation anchor: TextQuoteSelector (exact, prefix, suffix) plus TextPositionSelector."""

    exact: str = Field(min_length=1)
    prefix: str = ""
    suffix: str = ""
    start: int = Field(ge=0)
    end: int = Field(gt=0)

    @model_validator(mode="after")
    def _span(self) -> Quote:
        if self.end - self.start != len(self.exact):
            raise ValueError("end - start must equal the length of exact")
        return self


class Account(Strict):
    """What one article says about an event, in its own words, with the quote that says it."""

    id: str = Field(pattern=r"^[a-z0-9][a-z0-9_.-]*$")
    file: str
    what: str  # the system or event as the article words it
    category: Category
    where: list[str]
    when: IsoDate | None = None
    when_precision: Precision = "unknown"
    when_basis: str | None = None  # how a relative date was resolved ("In November" in a March 2017 article)
    who: str | None = None
    status: Status
    count: int | None = None
    quote: Quote
    note: str | None = None

    @model_validator(mode="after")
    def _precision_agrees(self) -> Account:
        expected = {None: "unknown", 4: "year", 7: "month", 10: "day"}[len(self.when) if self.when else None]
        if self.when_precision != expected:
            raise ValueError(f"when {self.when!r} has precision {expected!r}, not {self.when_precision!r}")
        return self


class Disagreement(Strict):
    a: str  # account id
    b: str  # account id
    why: str = Field(min_length=1)


class Event(Strict):
    """One deployment or meeting, told by one or more accounts that may disagree."""

    id: str = Field(pattern=r"^[a-z0-9][a-z0-9_-]*$")
    title: str
    category: Category
    where: list[str]
    when: IsoDate | None = None
    accounts: list[Account] = Field(min_length=1)
    disagreements: list[Disagreement] = Field(default_factory=list)
    note: str | None = None


class Facts(Strict):
    version: int = Field(ge=1)
    events: list[Event]


class KeywordGroup(Strict):
    """Keywords of one rule by language (see the head of ``geodata/candidate_rules.yaml``)."""

    en: list[Annotated[str, Field(min_length=1, max_length=MAX_NAME)]] = Field(
        default_factory=list, max_length=MAX_LIST
    )
    ru: list[Annotated[str, Field(min_length=1, max_length=MAX_NAME)]] = Field(
        default_factory=list, max_length=MAX_LIST
    )
    ja: list[Annotated[str, Field(min_length=1, max_length=MAX_NAME)]] = Field(
        default_factory=list, max_length=MAX_LIST
    )


class SystemRule(KeywordGroup):
    category: Category
    specific: bool = True


class CandidateRules(Strict):
    """``geodata/candidate_rules.yaml``: keyword rules that propose fact candidates for review."""

    version: int = Field(ge=1)
    # Absent: the systems gazetteer (geodata/systems.yaml) gives them.
    systems: list[SystemRule] | None = Field(default=None, min_length=1, max_length=MAX_LIST)
    status: dict[Status, KeywordGroup]
    default_status: Status = "existing"
    default_status_by_category: dict[Category, Status] = Field(default_factory=dict)
    exclude: dict[Annotated[str, Field(pattern=r"^[a-z][a-z0-9_]*$", max_length=64)], KeywordGroup]
    ignore_places: list[Annotated[str, Field(pattern=PLACE_ID)]] = Field(default_factory=list, max_length=MAX_LIST)


class SystemEntry(Strict):
    """One entry of the systems gazetteer: a weapon system, unit or facility, its category and names."""

    id: str = Field(pattern=PLACE_ID)
    category: Category
    specific: bool = True
    names: KeywordGroup


class Systems(Strict):
    """``geodata/systems.yaml``: the systems gazetteer that fact candidates recognise."""

    version: int = Field(ge=1)
    systems: list[SystemEntry] = Field(min_length=1, max_length=MAX_LIST)


class FeatureProperties(Strict):
    """``properties`` of every feature in the committed GeoJSON layers."""

    id: str = Field(pattern=PLACE_ID)
    kind: PlaceKind
    parent: str | None = None
    disputed: bool = False
    # Figures recorded by the build from the full-resolution source, checked by the tests.
    area_km2_full: float | None = None
    area_km2: float | None = None
    hausdorff_m: float | None = None
    centroid: tuple[float, float] | None = None
    polygons: int | None = None


# --- Lessons ---
# A lesson (``lessons/*.yaml`` -> :class:`Lesson`) is a guided sequence of map steps for a class. Checks
# that need other files (place ids, quotes in articles, fact ids, layer ids) live in
# ``explorer.render.lesson.validate_lesson``; the models here check each file on its own.

LessonView = Literal["neutral", "japan", "russia"]
LessonLang = Literal["en", "ja", "ru", "both"]
LESSON_ID = r"^[a-z0-9][a-z0-9_-]*$"


class LessonMap(Strict):
    """What the map shows in a step. ``bounds`` is ``[[south, west], [north, east]]`` in degrees (lat, lon),
    as Leaflet writes it; ``focus`` instead fits the map to places. Neither: the whole Kuril chain."""

    bounds: tuple[tuple[float, float], tuple[float, float]] | None = None
    focus: list[str] = Field(default_factory=list)
    highlight: list[str] = Field(default_factory=list)
    view: LessonView = "neutral"
    lang: LessonLang = "en"
    layers: list[str] = Field(default_factory=list)  # overlay ids, e.g. treaty_1855 (geodata/treaty_lines.geojson)

    @model_validator(mode="after")
    def _bounds_make_sense(self) -> LessonMap:
        if self.bounds is not None:
            (south, west), (north, east) = self.bounds
            latitudes_ok = all(-90 <= lat <= 90 for lat in (south, north))
            if not latitudes_ok or not all(-180 <= lon <= 180 for lon in (west, east)):
                raise ValueError(
                    "bounds must be [[south, west], [north, east]] with latitudes in -90..90 and "
                    "longitudes in -180..180"
                )
            if south >= north or west >= east:
                raise ValueError(
                    "bounds must be [[south, west], [north, east]]: the first corner south-west of the second"
                )
            if self.focus:
                raise ValueError("give bounds or focus, not both")
        return self


class Citation(Strict):
    """Where a background fact comes from: a treaty text, an official publication, a reference work."""

    title: str = Field(min_length=1)
    author: str | None = None
    publisher: str | None = None
    year: int = Field(ge=1000, le=2100)
    locator: str | None = None  # "Article 9", "p. 984"
    url: str | None = Field(default=None, pattern=r"^https?://\S+$")

    @model_validator(mode="after")
    def _someone_said_it(self) -> Citation:
        if not (self.author or self.publisher):
            raise ValueError("a citation needs an author or a publisher")
        return self


class Background(Strict):
    """A fact from OUTSIDE the corpus: always shown as background, always with its citation."""

    text: str = Field(min_length=1)
    source: Citation


class StepEvidence(Strict):
    """A corpus passage supporting a step: ``file`` + ``quote`` (exact words of that article), or ``fact``
    (an account id of the corpus's facts.yaml)."""

    file: str | None = None
    quote: str | None = None
    fact: str | None = None
    note: str | None = None  # why this passage is here, for the teacher

    @model_validator(mode="after")
    def _one_kind(self) -> StepEvidence:
        if self.fact is not None:
            if self.file is not None or self.quote is not None:
                raise ValueError("give either fact, or file and quote, not both")
        elif not (self.file and self.quote):
            raise ValueError("evidence needs file and quote (exact words of the article), or fact (an account id)")
        if self.file is not None and ("/" in self.file or "\\" in self.file):
            raise ValueError("file must be a base name inside the corpus folder")
        if self.quote is not None and (not self.quote.strip() or self.quote != self.quote.strip()):
            raise ValueError("quote must not be empty or start or end with whitespace")
        return self


class LessonStep(Strict):
    id: str = Field(pattern=LESSON_ID)
    title: str = Field(min_length=1)
    map: LessonMap = LessonMap()
    explanation: str = Field(min_length=1, max_length=1200)
    evidence: list[StepEvidence] = Field(default_factory=list)
    background: list[Background] = Field(default_factory=list)
    questions: list[str] = Field(min_length=1, max_length=3)

    @field_validator("questions")
    @classmethod
    def _questions_have_words(cls, value: list[str]) -> list[str]:
        if any(not question.strip() for question in value):
            raise ValueError("a question is empty")
        return value


class Lesson(Strict):
    version: int = Field(ge=1)
    id: str = Field(pattern=LESSON_ID)
    title: str = Field(min_length=1)
    language: Literal["en"] = "en"
    audience: str | None = None
    summary: str | None = None
    steps: list[LessonStep] = Field(min_length=1)

    @model_validator(mode="after")
    def _unique_step_ids(self) -> Lesson:
        seen: set[str] = set()
        for step in self.steps:
            if step.id in seen:
                raise ValueError(f"two steps share the id {step.id!r}")
            seen.add(step.id)
        return self


class TreatyLineProperties(Strict):
    """``properties`` of each feature of ``geodata/treaty_lines.geojson`` (a schematic overlay, not a place)."""

    id: str = Field(pattern=PLACE_ID)
    kind: Literal["treaty_line"]
    year: int
    title: str = Field(min_length=1)
    note: str = Field(min_length=1)
    source: str = Field(min_length=1)
    schematic: bool = True
    method: str | None = None
