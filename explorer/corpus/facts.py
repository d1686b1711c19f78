"""Curated deployment facts and meetings (``<corpus>/facts.yaml``), anchored in the articles' text.

An event (one deployment, one meeting) has one account per article that reports it; accounts that
disagree are listed in the event's ``disagreements``. Every account's quote is a W3C Web Annotation
anchor (TextQuoteSelector + TextPositionSelector) that :func:`check_anchors` verifies.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from explorer.corpus.documents import Corpus
from explorer.data.errors import DataError
from explorer.data.paths import FACTS_FILE
from explorer.data.readers import read_yaml
from explorer.data.schema import Account, Event, Facts

CONTEXT = 32  # characters of prefix and suffix a quote records


@dataclass(frozen=True)
class FactSet:
    path: Path
    facts: Facts

    @property
    def events(self) -> list[Event]:
        return self.facts.events

    def accounts(self) -> list[tuple[Event, Account]]:
        return [(event, account) for event in self.events for account in event.accounts]

    def events_at(self, place_ids: set[str]) -> list[Event]:
        return [
            event
            for event in self.events
            if place_ids & set(event.where + [w for a in event.accounts for w in a.where])
        ]


def load_facts(folder: Path) -> FactSet | None:
    """The corpus's ``facts.yaml`` (structure and internal references checked), or ``None``."""
    path = folder / FACTS_FILE
    if not path.exists():
        return None
    facts = read_yaml(path, Facts)
    seen: set[str] = set()
    for event in facts.events:
        ids = {account.id for account in event.accounts}
        for account in event.accounts:
            if account.id in seen:
                raise DataError(path, f"duplicate account id {account.id!r}", f"event {event.id!r}")
            seen.add(account.id)
        for pair in event.disagreements:
            for ref in (pair.a, pair.b):
                if ref not in ids:
                    raise DataError(
                        path,
                        f"a disagreement names {ref!r}, which is not an account of this event",
                        f"event {event.id!r}",
                    )
    if len({event.id for event in facts.events}) != len(facts.events):
        raise DataError(path, "two events share an id")
    return FactSet(path, facts)


def check_anchors(facts: FactSet, corpus: Corpus, place_ids: set[str]) -> list[DataError]:
    """Every problem with the facts' anchors and references, each naming the fact and the file."""
    problems: list[DataError] = []
    for event, account in facts.accounts():
        where = f"event {event.id!r}, account {account.id!r} ({account.file})"
        for place in set(event.where + account.where) - place_ids:
            problems.append(DataError(facts.path, f"names unknown place id {place!r}", where))
        document = corpus.document(account.file)
        if document is None:
            problems.append(DataError(facts.path, f"quotes {account.file!r}, which is not in the corpus", where))
            continue
        problem = anchor_problem(document.text, account)
        if problem:
            problems.append(DataError(facts.path, problem, where))
    return problems


def anchor_problem(text: str, account: Account) -> str | None:
    """Why the account's quote does not anchor in ``text``, or ``None`` when it does."""
    quote = account.quote
    occurrences = find_all(text, quote.exact)
    if not occurrences:
        return f"quote not found in the article: {quote.exact!r}"
    if text[quote.start : quote.end] != quote.exact:
        return (
            f"offsets {quote.start}-{quote.end} disagree with the text: they hold "
            f"{text[quote.start : quote.end]!r}, the quote is found at {', '.join(map(str, occurrences))}"
        )
    selected = [
        at
        for at in occurrences
        if text[max(0, at - len(quote.prefix)) : at] == quote.prefix
        and text[at + len(quote.exact) : at + len(quote.exact) + len(quote.suffix)] == quote.suffix
    ]
    if len(selected) > 1:
        return f"quote is ambiguous: prefix and suffix match at {len(selected)} places ({selected})"
    if not selected:
        return "prefix or suffix disagree with the text around the quote"
    return None


def find_all(text: str, needle: str) -> list[int]:
    """Every offset where ``needle`` occurs in ``text`` (exact, code points, overlaps included)."""
    found, at = [], text.find(needle)
    while at != -1:
        found.append(at)
        at = text.find(needle, at + 1)
    return found


def make_quote(text: str, start: int, end: int) -> dict:
    """A quote anchor for ``text[start:end]`` (used when curating)."""
    return {
        "exact": text[start:end],
        "prefix": text[max(0, start - CONTEXT) : start],
        "suffix": text[end : end + CONTEXT],
        "start": start,
        "end": end,
    }


def facts_json(facts: FactSet) -> dict:
    """The ``facts`` command's contract: ``{"facts": [...], "contradictions": [...]}``."""
    rows = []
    by_id: dict[str, Account] = {}
    for event, account in facts.accounts():
        by_id[account.id] = account
        rows.append(
            {
                "id": account.id,
                "event": event.id,
                "title": event.title,
                "file": account.file,
                "what": account.what,
                "category": account.category,
                "where": account.where,
                "when": account.when,
                "when_precision": account.when_precision,
                "when_basis": account.when_basis,
                "who": account.who,
                "status": account.status,
                "count": account.count,
                "quote": account.quote.exact,
                "prefix": account.quote.prefix,
                "suffix": account.quote.suffix,
                "start": account.quote.start,
                "end": account.quote.end,
            }
        )
    contradictions = [
        {
            "event": event.id,
            "a": {"id": pair.a, "file": by_id[pair.a].file, "quote": by_id[pair.a].quote.exact},
            "b": {"id": pair.b, "file": by_id[pair.b].file, "quote": by_id[pair.b].quote.exact},
            "why": pair.why,
        }
        for event in facts.events
        for pair in event.disagreements
    ]
    return {"facts": rows, "contradictions": contradictions}
