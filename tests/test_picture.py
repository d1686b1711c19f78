"""The static map picture: valid SVG with the right labels and escaped data, a real PNG."""

from __future__ import annotations

import io
import logging
import xml.etree.ElementTree as ET

import pytest

from explorer.data.gazetteer import PlaceIndex
from explorer.data.schema import Name
from explorer.evidence import Evidence
from explorer.render import picture
from explorer.render.naming import view_statement

SVG = "{http://www.w3.org/2000/svg}"
HOSTILE_LABEL = "<script>alert(\"x\")</script> & 'q' \x0b]]>"


@pytest.fixture(scope="module")
def evidence() -> Evidence:
    return Evidence.load()


@pytest.fixture(scope="module")
def hostile(evidence) -> Evidence:
    """The same evidence with Iturup's Russian name replaced by markup (and an XML-invalid character)."""
    gazetteer = evidence.gazetteer
    places = []
    for place in gazetteer.data.places:
        if place.id == "iturup":
            bad = Name(text=HOSTILE_LABEL, lang="ru", script="Cyrl", kind="official")
            place = place.model_copy(update={"names": [bad, *place.names]})
        places.append(place)
    index = PlaceIndex(gazetteer.data.model_copy(update={"places": places}), gazetteer.path)
    return Evidence(index, evidence.corpus, evidence.links, evidence.facts)


def _texts(root: ET.Element) -> list[str]:
    return ["".join(element.itertext()) for element in root.iter(f"{SVG}text")]


@pytest.mark.parametrize("lang, iturup", [("ja", "択捉島"), ("ru", "Итуруп"), ("en", "Iturup / Etorofu")])
def test_svg_parses_and_has_labels_in_the_language(evidence, lang, iturup) -> None:
    svg = picture.render_svg(evidence, "neutral", lang)
    root = ET.fromstring(svg.encode("utf-8"))
    assert root.tag == f"{SVG}svg" and root.get("width") == "1200" and root.get("height") == "900"
    texts = _texts(root)
    assert any(text.startswith(iturup) for text in texts), texts
    assert root.find(f"{SVG}desc").text == view_statement(evidence.gazetteer, "neutral")
    assert "GSHHG" in " ".join(texts)


@pytest.mark.parametrize("view", ["neutral", "japan", "russia"])
def test_svg_legend_states_the_view(evidence, view) -> None:
    root = ET.fromstring(picture.render_svg(evidence, view, "en", title="A title"))
    texts = _texts(root)
    assert texts[0] == "A title" or "A title" in texts
    legend = " ".join(texts)
    assert view_statement(evidence.gazetteer, view) in legend  # wrapped over lines, words in order
    group = {"neutral": "Disputed islands", "japan": "Northern Territories", "russia": "Southern Kurils"}[view]
    assert group in legend


def test_svg_draws_disputed_dashed_and_highlight(evidence) -> None:
    root = ET.fromstring(picture.render_svg(evidence, "neutral", "en", highlight={"iturup"}))
    outlines = {p.get("data-outline-of"): p for p in root.iter(f"{SVG}path") if p.get("data-outline-of")}
    assert {"iturup", "kunashir", "shikotan", "habomai", "urup", "hokkaido"} <= set(outlines)
    assert outlines["kunashir"].get("stroke-dasharray") and not outlines["urup"].get("stroke-dasharray")
    assert outlines["iturup"].get("stroke") == "#000000" and outlines["kunashir"].get("stroke") != "#000000"


@pytest.mark.parametrize("view", ["neutral", "japan", "russia"])
def test_svg_fills_are_the_truth_and_match_the_legend(evidence, view) -> None:
    """In every view a disputed island is filled with its administrator's colour and striped with its
    claimant's, and the legend rows that say so use exactly those fills."""
    from explorer.render.mapview import STATE_NAMES

    root = ET.fromstring(picture.render_svg(evidence, view, "en"))
    fills = {p.get("data-id"): p.get("fill") for p in root.iter(f"{SVG}path") if p.get("data-id")}
    claims = {p.get("data-claim-of"): p.get("fill") for p in root.iter(f"{SVG}path") if p.get("data-claim-of")}
    admin_swatch = {
        r.get("data-kx-admin"): r.get("fill") for r in root.iter(f"{SVG}rect") if r.get("data-kx-admin") is not None
    }
    claim_swatch = {r.get("data-kx-claim"): r.get("fill") for r in root.iter(f"{SVG}rect") if r.get("data-kx-claim")}
    legend = " ".join(_texts(root))
    checked = 0
    for place in evidence.gazetteer.places:
        if not place.disputed or place.kind == "group" or place.id not in fills:
            continue
        assert fills[place.id] == admin_swatch[place.administrator], place.id
        assert claims[place.id] == claim_swatch[place.claimant], place.id
        checked += 1
    assert checked >= 10
    assert f"Administered by {STATE_NAMES['RU']}" in legend and "claimed by Japan (stripes)" in legend
    # Every fill drawn has a swatch.
    assert set(fills.values()) <= set(admin_swatch.values()) and set(claims.values()) <= set(claim_swatch.values())


def test_svg_escapes_data(hostile) -> None:
    title = "</title></svg><script>alert(2)</script>"
    svg = picture.render_svg(hostile, "neutral", "ru", title=title)
    root = ET.fromstring(svg.encode("utf-8"))
    assert not [el for el in root.iter() if el.tag.endswith("script")]
    texts = _texts(root)
    assert title in texts
    expected = HOSTILE_LABEL.replace("\x0b", "\ufffd")
    assert any(text.startswith(expected) for text in texts), texts
    assert "<script>" not in svg


def test_svg_is_deterministic_and_takes_size_and_bounds(evidence) -> None:
    assert picture.render_svg(evidence) == picture.render_svg(evidence)
    root = ET.fromstring(picture.render_svg(evidence, width=600, height=450, bounds=(145, 43, 149, 46)))
    assert root.get("viewBox") == "0 0 600 450"
    ids = {p.get("data-id") for p in root.iter(f"{SVG}path")}
    assert "iturup" in ids and "paramushir" not in ids  # clipped to the bounds
    with pytest.raises(ValueError):
        picture.render_svg(evidence, bounds=(150, 43, 140, 46))


def _decode(data: bytes):
    from PIL import Image

    image = Image.open(io.BytesIO(data))
    image.load()
    return image


def test_png_decodes_with_size_and_colours(evidence) -> None:
    data = picture.render_png(evidence, "neutral", "ru", highlight={"iturup"})
    image = _decode(data)
    assert image.format == "PNG" and image.size == (1200, 900)
    colours = image.convert("RGB").getcolors(maxcolors=1 << 20)
    assert len(colours) > 20
    common = {colour for _, colour in sorted(colours, reverse=True)[:12]}
    assert {(0xF4, 0xF8, 0xFB), (0xFF, 0xFF, 0xFF)} <= common  # sea and the legend/title
    assert picture.render_png(evidence, "neutral", "ru", highlight={"iturup"}) == data
    small = _decode(picture.render_png(evidence, "japan", "en", width=640, height=480))
    assert small.size == (640, 480)


def test_png_without_a_cjk_font_falls_back_to_english(evidence, monkeypatch, caplog) -> None:
    monkeypatch.setattr(picture, "find_cjk_font", lambda: None)
    note = picture.png_font_note("ja")
    assert note and "noto-cjk-sans-jp-regular" in note
    with caplog.at_level(logging.WARNING, logger="explorer.render.picture"):
        image = _decode(picture.render_png(evidence, "neutral", "ja"))
    assert image.size == (1200, 900)
    assert any("Labels in English" in record.getMessage() for record in caplog.records)
    scene = picture.build_scene(evidence, "neutral", "en", note=note)
    assert any("Labels in English" in label.text for label in scene.legend_text)


def test_png_font_choice(monkeypatch, tmp_path) -> None:
    font = tmp_path / "given.otf"
    assert picture.png_font_choice("ja", font) == picture.FontChoice(font, "ja", None)
    monkeypatch.setattr(picture, "find_cjk_font", lambda: None)
    monkeypatch.setattr(picture, "find_latin_font", lambda: None)
    assert picture.png_font_choice("ru").label_lang == "en"
    assert picture.png_font_choice("en") == picture.FontChoice(None, "en", None)


def test_png_draws_with_pillows_own_font(evidence, monkeypatch) -> None:
    monkeypatch.setattr(picture, "find_cjk_font", lambda: None)
    monkeypatch.setattr(picture, "find_latin_font", lambda: None)
    assert _decode(picture.render_png(evidence, "russia", "ru", width=600, height=450)).size == (600, 450)


def test_png_hostile_labels_draw(hostile) -> None:
    assert _decode(picture.render_png(hostile, "neutral", "ru", title="\x00<b>\u2028")).size == (1200, 900)


def test_dashes_cover_the_line() -> None:
    segments = picture._dashes([(0, 0), (100, 0)], 6, 4)
    assert segments[0][0] == (0, 0) and len(segments) == 10
    assert sum(s[-1][0] - s[0][0] for s in segments) == pytest.approx(60)
