"""Language detection: en, ja, ru, or unknown rather than wrong."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from explorer.text.language import detect_language


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Russia deployed new air defence systems on Iturup, the ministry said on Thursday.", "en"),
        ("Россия разместила новые системы ПВО на Итурупе, сообщили в министерстве.", "ru"),
        ("ロシア軍は択捉島に新型の防空ミサイルを配備したと発表した。", "ja"),
        ("Das russische Militär hat neue Luftabwehrsysteme auf der Insel Iturup stationiert.", None),
        ("L'armée russe a installé de nouveaux systèmes de défense aérienne sur l'île d'Itouroup.", None),
        ("El ejército ruso desplegó nuevos sistemas de defensa antiaérea en la isla de Iturup.", None),
        ("俄罗斯国防部表示，已在择捉岛部署新型防空导弹系统。日本政府对此提出抗议。", None),
        ("Міністерство оборони Росії розмістило нові системи на острові Ітуруп.", None),  # Ukrainian
        ("12345 67890 !!!", None),
        ("", None),
    ],
)
def test_detect_language(text, expected) -> None:
    assert detect_language(text) == expected


@given(st.text(max_size=200))
def test_answers_only_known_languages(text: str) -> None:
    assert detect_language(text) in {"en", "ja", "ru", None}
