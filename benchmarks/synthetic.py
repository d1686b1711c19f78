"""A reproducible synthetic corpus for the linking benchmark.

Documents are built from the five seed articles (their sentences and paragraphs, sampled and
shuffled) mixed with hand-written Russian, Japanese and English news-like sentences that mention
places under many names and case forms, plus names drawn at random from the gazetteer. Some
documents carry the quirks the linker must survive: hard-wrapped lines with words hyphenated across
the line break, non-breaking spaces, soft hyphens, curly apostrophes and quotes, ё, upper-case
datelines, vessel names ("the ferry Kunashir", "судно «Итуруп»") and blockers ("Severo-Kurilsk",
"根室市歯舞").

Everything is drawn from one ``random.Random(seed)``, and the inputs (seed articles, gazetteer) are
read in a fixed order, so the same seed and the same inputs give the same corpus byte for byte
(:func:`corpus_digest` prints a hash to check). The corpus depends on the gazetteer: names are drawn
from it, so an edited gazetteer gives a different corpus.
"""

from __future__ import annotations

import hashlib
import random
from dataclasses import dataclass

from explorer.corpus.documents import load_corpus
from explorer.data.paths import CURATED_CORPUS
from explorer.data.schema import Gazetteer
from explorer.text.passages import paragraphs, sentences

# --- Hand-written sentences ----------------------------------------------------------------------
# Slots: {en} a random Latin-script name; {ru} a Russian name (nominative-ish: official/variant);
# {ru_gen} / {ru_prep} / {ru_dat} / {ru_inst} a Russian case form; {ja} a Japanese-script name.

RUSSIAN = [
    "Землетрясение магнитудой 5,8 произошло у побережья Итурупа, сообщили в Сахалинском филиале "
    "геофизической службы РАН.",
    "На Итурупе завершено строительство нового аэропорта, способного принимать самолеты круглый год.",
    "Жители Кунашира пожаловались на перебои с поставками топлива и продуктов.",
    "Береговые ракетные комплексы «Бал» и «Бастион» развернуты на Курильских островах.",
    "Министр обороны заявил, что на Курилах до конца года будет размещена новая дивизия.",
    "Японские туристы посетили Шикотан в рамках безвизового обмена.",
    "Паром «Игорь Фархутдинов» прибыл в Южно-Курильск с опозданием на сутки из-за шторма.",
    "Теплоход «Поларис» доставил на остров Кунашир строительные материалы для новой школы.",
    "Судно «Итуруп» вышло из порта Корсаков с грузом угля.",
    "Вопрос о принадлежности Южных Курил обсуждался на переговорах в Москве.",
    "Рыбаки из Северо-Курильска сообщили о рекордном улове лосося.",
    "Пограничники задержали японскую шхуну в районе острова Кунашир.",
    "На острове Шикотан открылась новая школа на 200 учеников.",
    "Губернатор Сахалинской области посетил Малую Курильскую гряду.",
    "Япония называет спорные острова Северными территориями.",
    "Сейсмологи зафиксировали серию толчков у берегов Парамушира и острова Шумшу.",
    "Вулкан Эбеко на Парамушире выбросил столб пепла высотой 2,5 километра.",
    "Экспедиция Русского географического общества высадилась на острове Матуа.",
    "Цунами высотой до метра может достичь побережья Симушира и Урупа.",
    "Ледокол «Кунашир» провел караван судов у берегов Сахалина.",
    "Переговоры о совместной хозяйственной деятельности вокруг четырёх островов продолжатся осенью.",
    "По данным Росстата, население Курильских островов составляет около 21 тысячи человек.",
    "В Южно-Сахалинске прошло совещание по развитию Курил.",
    "Россия и Япония обсудили возможность безвизовых поездок на спорных островах.",
    "Корабль «Адмирал Пантелеев» зашел в бухту Броутона.",
    "Самолет Ан-24 совершил посадку на Итурупе после трехчасового полета из Южно-Сахалинска.",
    "Москва не намерена обсуждать передачу Японии Кунашира и Итурупа, заявили в МИД.",
    "На острове Зелёный в группе островов Хабомаи по-прежнему находится погранзастава.",
    "Туристы из Хабаровска побывали на Курильском озере и в Петропавловске.",
    "Специалисты Курило-Камчатского жёлоба изучают подводные землетрясения.",
    "{ru} и {ru} входят в состав Курильского городского округа.",
    "Глава МИД Японии выразил протест в связи с учениями на {ru_prep}.",
    "Пограничный катер патрулирует воды у {ru_gen}.",
    "Ученые изучают флору {ru_gen} и {ru_gen}.",
    "По словам местных жителей, связь с {ru_inst} прервалась в понедельник.",
    "Гуманитарный груз направлен {ru_dat} и соседним островам.",
    "Метеорологи предупредили о шторме в районе {ru_gen}, где ожидается ветер до 30 м/с.",
    "«Мы живем на {ru_prep} всю жизнь и никуда не уедем», — сказал местный житель.",
]

JAPANESE = [
    "択捉島で震度4の地震が発生した。",
    "北方領土の国後島に新たな軍事施設が建設されていると政府関係者が明らかにした。",
    "色丹島と歯舞群島の返還を定めた1956年の日ソ共同宣言を基礎に交渉を加速させる。",
    "エトロフ島の空港が軍民共用化されたことに日本政府は抗議した。",
    "根室市歯舞の漁港では、コンブ漁が解禁された。",
    "歯舞漁協の組合員らは、安全操業の継続を求めた。",
    "ロシア国防省は千島列島に地対艦ミサイルを配備したと発表した。",
    "四島での共同経済活動について、日ロ両政府は協議を続けている。",
    "元島民らによる国後、択捉への墓参が実施された。",
    "巡視船が択捉島沖で漁船を拿捕した。",
    "千島海溝沿いの巨大地震に備え、北海道は防災計画を見直した。",
    "北海道新聞によると、ビザなし交流は今年も見送られる見通しだ。",
    "サハリン州の知事は、クナシリ島に新しい病院を開設すると述べた。",
    "二島返還論をめぐり、与党内で議論が続いている。",
    "ビザなし交流の訪問団が色丹島に到着した。",
    "貨物船「択捉丸」が根室港に入港した。",
    "北海道の根室半島から歯舞群島の貝殻島までは約3.7キロしかない。",
    "国後島の泊山では火山活動が続いている。",
    "東京で日露外相会談が開かれ、北方領土問題が議題となった。",
    "モスクワで行われた首脳会談では、平和条約締結後に色丹を引き渡すとした宣言が確認された。",
    "択捉島の紗那には日本統治時代の建物が残る。",
    "シコタン島の学校で日本語の授業が行われている。",
    "えとろふ、くなしり、しこたん、はぼまいの四島の名前を子どもたちが学んだ。",
    "得撫島以北の千島列島について、日本は領有権を主張していない。",
    "{ja}周辺の海域でロシア軍が演習を行った。",
    "政府は{ja}と{ja}の領有権を改めて主張した。",
    "{ja}の元島民の平均年齢は85歳を超えた。",
    "防衛省によると、ロシア軍のヘリコプターが{ja}付近を飛行した。",
    "{ja}への自由訪問は、天候不良のため中止された。",
    "専門家は「{ja}の問題は一朝一夕には解決しない」と指摘した。",
]

ENGLISH = [
    "The ferry Kunashir was delayed by ice off Sakhalin for two days.",
    "Russia deployed Bastion missile systems on Iturup and Kunashir, the Defense Ministry said.",
    "A magnitude 6.1 earthquake struck near the Kuril Islands on Monday, the USGS said.",
    "Japan calls the islands the Northern Territories, while Russia refers to them as the Southern Kurils.",
    "Fishermen in Severo-Kurilsk reported a record salmon catch this summer.",
    "Sockeye salmon return to Kuril Lake in Kamchatka every summer.",
    "The Kuril-Kamchatka Trench is one of the deepest ocean trenches in the world.",
    "Former residents of Etorofu Island visited family graves under a humanitarian program.",
    "The Habomai Fisheries Cooperative protested the detention of two boats.",
    "Officials in Yuzhno-Kurilsk said the new pier on Kunashir would open in May.",
    "The icebreaker Shikotan escorted two tankers through the strait.",
    "Russia's Pacific Fleet held drills near Matua, a former Japanese air base.",
    "Kunashir's only hospital is short of doctors, local officials said.",
    "A Kunashir-class patrol boat was seen off the coast.",
    "The Kuril Current brings cold water south along the chain.",
    'The vessel "Iturup" docked at Korsakov on Friday.',
    "{en} and {en} lie in the southern part of the chain.",
    "Satellite images show new barracks on {en}.",
    "Tourists from Hokkaido visited {en} under the visa-free exchange program.",
    "The governor's office said {en}'s power plant had been repaired.",
    '"We will never leave {en}," one resident told reporters.',
    "The ship {en} left port on Tuesday with supplies.",
]

DATELINES = ["TOKYO", "MOSCOW", "YUZHNO-SAKHALINSK", "NEMURO", "SAPPORO", "VLADIVOSTOK"]
DATELINES_RU = ["ЮЖНО-САХАЛИНСК", "МОСКВА", "ТОКИО", "ПЕТРОПАВЛОВСК-КАМЧАТСКИЙ"]
MONTHS = ["Jan.", "Feb.", "March", "April", "May", "June", "July", "Aug.", "Sept.", "Oct.", "Nov.", "Dec."]


@dataclass(frozen=True, slots=True)
class SyntheticDocument:
    file: str
    text: str


class _Names:
    """Gazetteer names by slot, in gazetteer order (so draws are reproducible)."""

    def __init__(self, gazetteer: Gazetteer) -> None:
        self.slots: dict[str, list[str]] = {
            key: [] for key in ("en", "ru", "ru_gen", "ru_prep", "ru_dat", "ru_inst", "ja")
        }
        for place in gazetteer.places:
            for name in place.names:
                if not name.link:
                    continue
                if name.script == "Latn":
                    self.slots["en"].append(name.text)
                elif name.script == "Jpan":
                    self.slots["ja"].append(name.text)
                elif name.script == "Cyrl":
                    case = (name.case or "") if name.kind == "case_form" else ""
                    if not case:
                        self.slots["ru"].append(name.text)
                    cases = (("ru_gen", "genitive"), ("ru_prep", "prepositional"), ("ru_inst", "instrumental"))
                    for key, prefix in cases:
                        if case.startswith(prefix):
                            self.slots[key].append(name.text)
                    if "dative" in case:
                        self.slots["ru_dat"].append(name.text)
        for key, values in self.slots.items():  # a tiny gazetteer must not break the generator
            if not values:
                values.append({"en": "Iturup", "ja": "択捉島"}.get(key, "Итуруп"))

    def fill(self, rng: random.Random, template: str) -> str:
        if "{" not in template:
            return template
        out, rest = [], template
        while "{" in rest:
            head, _, tail = rest.partition("{")
            slot, _, rest = tail.partition("}")
            out.append(head)
            out.append(rng.choice(self.slots[slot]))
        out.append(rest)
        return "".join(out)


class CorpusBuilder:
    """Draws documents; one builder per corpus (``random.Random(seed)`` inside)."""

    def __init__(self, gazetteer: Gazetteer, seed: int = 0) -> None:
        self.rng = random.Random(seed)
        self.names = _Names(gazetteer)
        seeds = load_corpus(CURATED_CORPUS)
        self.seed_sentences: list[str] = []
        self.seed_paragraphs: list[str] = []
        self.seed_headlines: list[str] = []
        for doc in sorted(seeds.documents, key=lambda d: d.file):
            text = doc.text
            for number, (start, end) in enumerate(paragraphs(text)):
                body = text[start:end]
                if number == 0 and "." not in body[-2:]:
                    self.seed_headlines.append(body)
                    continue
                self.seed_paragraphs.append(body)
                self.seed_sentences.extend(text[s:e] for s, e in sentences(text, start, end))
        if not self.seed_sentences:
            raise SystemExit("the seed corpus (seeds/*.txt) has no sentences to sample")
        self.seed_headlines = self.seed_headlines or ["Kuril Islands news"]

    # -- pieces ---------------------------------------------------------------------------------

    def _sentence(self, lang: str) -> str:
        rng = self.rng
        if lang == "ru":
            return self.names.fill(rng, rng.choice(RUSSIAN))
        if lang == "ja":
            return self.names.fill(rng, rng.choice(JAPANESE))
        if rng.random() < 0.7:
            return rng.choice(self.seed_sentences)
        return self.names.fill(rng, rng.choice(ENGLISH))

    def _paragraph(self, lang: str) -> str:
        rng = self.rng
        if lang == "en" and rng.random() < 0.25:
            return rng.choice(self.seed_paragraphs)
        parts = [self._sentence(lang) for _ in range(rng.randint(1, 5))]
        return ("" if lang == "ja" else " ").join(parts)

    def _headline(self, lang: str) -> str:
        rng = self.rng
        if lang == "en":
            return rng.choice(self.seed_headlines)
        sentence = self._sentence(lang)
        return sentence.rstrip(".。")

    def _dateline(self, lang: str) -> str:
        rng = self.rng
        if lang == "ru":
            return f"{rng.choice(DATELINES_RU)}, {rng.randint(1, 28)} мая — "
        if lang == "en":
            return f"{rng.choice(DATELINES)}, {rng.choice(MONTHS)} {rng.randint(1, 28)} (Kyodo) -- "
        return ""

    # -- quirks ---------------------------------------------------------------------------------

    def _typography(self, text: str) -> str:
        """Curly apostrophes and quotes, « » for Russian quotes already present."""
        text = text.replace("'", "\u2019")
        pieces = text.split('"')
        quoted = (piece + ("\u201c" if i % 2 == 0 else "\u201d") for i, piece in enumerate(pieces[:-1]))
        return "".join(quoted) + pieces[-1]

    def _sprinkle(self, paragraph: str) -> str:
        """Occasional NBSPs (in place of spaces) and soft hyphens (inside long words)."""
        rng = self.rng
        if rng.random() < 0.15:
            chars = list(paragraph)
            for i, ch in enumerate(chars):
                if ch == " " and rng.random() < 0.15:
                    chars[i] = "\u00a0"
            paragraph = "".join(chars)
        if rng.random() < 0.05:
            words = paragraph.split(" ")
            i = rng.randrange(len(words))
            word = words[i]
            if len(word) >= 6 and word.isalpha():
                cut = rng.randint(2, len(word) - 2)
                words[i] = word[:cut] + "\u00ad" + word[cut:]
            paragraph = " ".join(words)
        return paragraph

    def _wrap(self, paragraph: str, width: int) -> str:
        """Hard-wrap at ``width``; a long word that does not fit is hyphenated across the break half the time."""
        rng = self.rng
        lines: list[str] = []
        line = ""
        for word in paragraph.split(" "):
            if not line:
                line = word
            elif len(line) + 1 + len(word) <= width:
                line += " " + word
            elif len(word) >= 7 and word.isalpha() and rng.random() < 0.5:
                room = max(2, min(len(word) - 3, width - len(line) - 2))
                lines.append(f"{line} {word[:room]}-")
                line = word[room:]
            else:
                lines.append(line)
                line = word
        if line:
            lines.append(line)
        return "\n".join(lines)

    # -- documents ------------------------------------------------------------------------------

    def document(self, number: int) -> SyntheticDocument:
        rng = self.rng
        lang = rng.choices(["en", "ru", "ja"], weights=[50, 25, 25])[0]
        curly = rng.random() < 0.3
        wrap = rng.random() < 0.15 and lang != "ja"
        width = rng.randint(56, 78)
        paras = []
        for index in range(rng.randint(3, 14)):
            p_lang = lang
            if rng.random() < 0.12:  # a quoted paragraph in another language
                p_lang = rng.choice([x for x in ("en", "ru", "ja") if x != lang])
            para = self._paragraph(p_lang)
            if index == 0:
                para = self._dateline(p_lang) + para
            para = self._sprinkle(para)
            if curly:
                para = self._typography(para)
            if wrap and p_lang != "ja":
                para = self._wrap(para, width)
            paras.append(para)
        text = self._headline(lang) + "\n\n" + "\n\n".join(paras) + "\n"
        return SyntheticDocument(f"synthetic_{number:05d}.txt", text)


def build_corpus(gazetteer: Gazetteer, n_docs: int, seed: int = 0) -> list[SyntheticDocument]:
    builder = CorpusBuilder(gazetteer, seed)
    return [builder.document(i) for i in range(n_docs)]


def corpus_digest(documents: list[SyntheticDocument]) -> str:
    digest = hashlib.sha256()
    for doc in documents:
        digest.update(doc.file.encode() + b"\0" + doc.text.encode() + b"\0")
    return digest.hexdigest()[:16]
