"""The cheap language heuristic: script first, then stopwords for Latin text."""

from __future__ import annotations

import pytest

from finetune.language import LANGUAGES, UNDETERMINED, detect_language


@pytest.mark.parametrize(
    ("text", "lang"),
    [
        ("The kid in the yellow raincoat is jumping into a puddle next to a red bicycle.", "en"),
        ("Das Kind im gelben Regenmantel springt neben einem roten Fahrrad in eine Pfütze.", "de"),
        ("L'enfant au ciré jaune saute dans une flaque à côté d'un vélo rouge.", "fr"),
        ("El niño con el impermeable amarillo salta en un charco junto a una bicicleta roja.", "es"),
        ("Il bambino con l'impermeabile giallo salta in una pozzanghera vicino a una bicicletta rossa.", "it"),
        ("O menino com a capa amarela pula numa poça ao lado de uma bicicleta vermelha.", "pt"),
        ("Het kind in de gele regenjas springt in een plas naast een rode fiets.", "nl"),
        ("穿黄色雨衣的孩子在红色自行车旁边跳进水坑。", "zh"),
        ("黄色いレインコートの子供が赤い自転車の横で水たまりに飛び込んでいる。", "ja"),
        ("노란 우비를 입은 아이가 빨간 자전거 옆 웅덩이로 뛰어든다.", "ko"),
        ("Ребёнок в жёлтом дождевике прыгает в лужу рядом с красным велосипедом.", "ru"),
        ("Дитина в жовтому дощовику стрибає в калюжу біля червоного велосипеда, і їй весело.", "uk"),
        ("الطفل الذي يرتدي معطف المطر الأصفر يقفز في بركة بجانب دراجة حمراء.", "ar"),
        ("ילד במעיל גשם צהוב קופץ לשלולית ליד אופניים אדומים.", "he"),
        ("Ένα παιδί με κίτρινο αδιάβροχο πηδά σε μια λακκούβα.", "el"),
        ("Ein Hund.", UNDETERMINED),  # too little to tell
        ("IMG_2041", UNDETERMINED),
        ("2023-08-01 12:00", UNDETERMINED),
        ("", UNDETERMINED),
    ],
)
def test_detect_language(text: str, lang: str) -> None:
    assert detect_language(text) == lang
    assert lang == UNDETERMINED or lang in LANGUAGES


def test_a_few_latin_words_in_chinese_text_stay_chinese() -> None:
    assert detect_language("我们在 Berlin 的 Alexanderplatz 拍的照片，天气很好。") == "zh"


def test_kanji_only_japanese_is_read_as_chinese_but_kana_decides() -> None:
    assert detect_language("東京駅") == "zh"  # no kana: indistinguishable from Chinese, by design
    assert detect_language("東京駅の前で") == "ja"
