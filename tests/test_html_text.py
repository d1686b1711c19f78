"""Article extraction from web pages: trafilatura first, page furniture left out."""

from __future__ import annotations

from pathlib import Path

from explorer.corpus.ingest import Options, prepare
from explorer.text.html_text import extract_article

DEVSET_PAGE = Path(__file__).resolve().parents[1] / "devset" / "articles" / "en04.html"

ARTICLE = " ".join(["Russia's Pacific Fleet began an exercise in the Sea of Okhotsk near Matua, the fleet said."] * 4)
PAGE = f"""<!doctype html><html><head><meta charset="utf-8"><title>Drills | Example News</title>
<meta property="og:site_name" content="Example News"></head><body>
<nav><ul><li>Home</li><li>Kuril Islands travel</li><li>Shikotan hot springs</li></ul></nav>
<div class="cookie">We use cookies to show you Iturup tours.</div>
<article><h1>Drills near the Kurils</h1><p>{ARTICLE}</p><p>Tokyo said it was watching closely.</p>
<p>Topics: Kunashir, Habomai</p></article>
<section class="comments"><p>I visited Kunashir last summer.</p></section></body></html>"""


def test_extract_article_leaves_page_furniture_out() -> None:
    found = extract_article(PAGE)
    assert found is not None
    assert "Sea of Okhotsk" in found.text and "Tokyo said" in found.text
    for furniture in ("cookies", "travel", "hot springs", "Topics:", "visited Kunashir"):
        assert furniture not in found.text


def test_extract_article_returns_none_without_article() -> None:
    assert extract_article("<html><body><script>var a = 1;</script></body></html>") is None


def test_prepare_reads_a_mostly_script_page_with_its_metadata() -> None:
    prepared = prepare(DEVSET_PAGE, Options(reference_date="2026-12-02"))
    assert prepared.fields["date"] == "2026-04-02" and prepared.fields["outlet"] == "Pacific Defence Review"
    assert prepared.fields["language"] == "en"
    assert prepared.text.startswith("Missile defence worries spread from Seoul to the Kurils")
    assert "cookies" not in prepared.text and "Topics:" not in prepared.text


def test_prepare_dates_a_text_article_from_its_dateline(tmp_path: Path) -> None:
    path = tmp_path / "a.txt"
    path.write_text("Headline\n\nМОСКВА, 14 марта. /ТАСС/. Дивизионы заступили на дежурство.\n", encoding="utf-8")
    fields = prepare(path, Options(reference_date="2026-12-02")).fields
    assert (fields["date"], fields["date_status"], fields["outlet"]) == ("2026-03-14", "inferred", "ТАСС")
    assert "14 марта" in fields["date_basis"] and fields["dateline"].startswith("МОСКВА")
