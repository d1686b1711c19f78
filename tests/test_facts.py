"""Fact anchors (W3C TextQuoteSelector + TextPositionSelector): each way to fail, named."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from explorer.corpus.facts import anchor_problem, check_anchors, load_facts, make_quote
from explorer.data.schema import Account

TEXT = "Missiles on Etorofu. More missiles on Etorofu. Missiles on Etorofu."


def account(**quote) -> Account:
    return Account(
        id="a.1",
        file="x.txt",
        what="missiles",
        category="coastal_missile_system",
        where=["iturup"],
        status="deployed",
        quote=quote,
    )


def test_curated_facts_all_anchor(corpus, gazetteer) -> None:
    facts = load_facts(corpus.folder)
    assert facts is not None and len(facts.accounts()) >= 30
    assert check_anchors(facts, corpus, set(gazetteer.by_id)) == []


def test_a_good_anchor() -> None:
    start = TEXT.index("More missiles")
    assert anchor_problem(TEXT, account(**make_quote(TEXT, start, start + 13))) is None


def test_quote_not_found() -> None:
    problem = anchor_problem(TEXT, account(exact="Missiles on Iturup", start=0, end=18))
    assert "not found" in problem


def test_offsets_disagree_with_the_text() -> None:
    problem = anchor_problem(TEXT, account(exact="More missiles", start=0, end=13))
    assert "offsets 0-13 disagree" in problem and "found at 21" in problem


def test_ambiguous_quote() -> None:
    # "Missiles on Etorofu." occurs at 0 and at 47; with no prefix/suffix the selector matches both.
    problem = anchor_problem(TEXT, account(exact="Missiles on Etorofu", prefix="", suffix="", start=0, end=19))
    assert "ambiguous" in problem


def test_prefix_that_does_not_match() -> None:
    problem = anchor_problem(TEXT, account(exact="More missiles", prefix="XYZ", suffix="", start=21, end=34))
    assert "prefix or suffix" in problem


def test_check_anchors_names_the_fact_and_the_file(corpus, gazetteer) -> None:
    facts = load_facts(corpus.folder)
    event = facts.events[0]
    broken = event.accounts[0].model_copy(update={"where": ["atlantis"]})
    patched = facts.facts.model_copy(update={"events": [event.model_copy(update={"accounts": [broken]})]})
    problems = check_anchors(type(facts)(facts.path, patched), corpus, set(gazetteer.by_id))
    assert (
        problems and "atlantis" in str(problems[0]) and event.id in str(problems[0]) and broken.file in str(problems[0])
    )


@given(st.text(min_size=1, max_size=80), st.data())
def test_make_quote_always_anchors_when_unique(text: str, data) -> None:
    start = data.draw(st.integers(min_value=0, max_value=len(text) - 1))
    end = data.draw(st.integers(min_value=start + 1, max_value=len(text)))
    quote = make_quote(text, start, end)
    problem = anchor_problem(text, account(**quote))
    assert problem is None or "ambiguous" in problem  # only a repeated text with the same context is ambiguous


# --- Seed facts completed (issue 12) ----------------------------------------------------------------


def _accounts():
    from explorer.corpus.facts import load_facts
    from explorer.data.paths import DEFAULT_CORPUS

    return [account for _, account in load_facts(DEFAULT_CORPUS).accounts()]


def test_every_seed_account_has_a_date_and_its_precision() -> None:
    for account in _accounts():
        assert account.when and account.when_precision != "unknown", account.id
        assert account.when_basis, account.id


def test_as_of_publication_accounts_say_so() -> None:
    undated_in_text = [a for a in _accounts() if (a.when_basis or "").startswith("As of publication")]
    assert len(undated_in_text) >= 18
    for account in undated_in_text:
        assert account.when_precision in ("day", "month")


@pytest.mark.parametrize(
    ("account_id", "status", "words"),
    [
        ("thaad-south-korea.000.agreed", "agreed", "have agreed to install"),
        ("thaad-south-korea.002.plan", "planned", "a plan by the U.S."),
    ],
)
def test_thaad_agreement_and_plan_are_recorded(account_id, status, words) -> None:
    account = next(a for a in _accounts() if a.id == account_id)
    assert account.status == status and words in account.quote.exact and account.where == ["south_korea"]


def test_facts_about_japan_have_a_place() -> None:
    japan = [a for a in _accounts() if a.id.startswith("us-missile-defence-japan.")]
    assert japan and all(a.where == ["japan"] for a in japan)
