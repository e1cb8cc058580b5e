"""Query combinations: what a user types in the search box or on the command line."""
import pytest
from PIL import Image

from photosearch.query import QuerySyntaxError, QueryTerm, parse_query


@pytest.fixture
def ref_jpg(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    Image.new("RGB", (8, 8), "red").save(tmp_path / "ref.jpg")
    return "./ref.jpg"


def test_plain_paragraph_is_one_text_even_with_dashes():
    q = "The kid in the yellow raincoat - jumping into a puddle + a red bicycle, late afternoon"
    assert parse_query(q) == [QueryTerm("text", q)]


def test_weighted_combination_of_text_image_and_negative(ref_jpg):
    terms = parse_query(f'"2:red bicycle in the rain" + {ref_jpg} - "people"')
    assert terms == [
        QueryTerm("text", "red bicycle in the rain", 2.0),
        QueryTerm("image", ref_jpg, 1.0),
        QueryTerm("text", "people", -1.0),
    ]


def test_weight_outside_quotes_and_bare_words_after_operator(ref_jpg):
    terms = parse_query(f'0.5:"snowy mountain" - people on the street + 3:{ref_jpg}')
    assert terms == [
        QueryTerm("text", "snowy mountain", 0.5),
        QueryTerm("text", "people on the street", -1.0),
        QueryTerm("image", ref_jpg, 3.0),
    ]


def test_image_alone_and_unicode_text(ref_jpg):
    assert parse_query(ref_jpg) == [QueryTerm("image", ref_jpg, 1.0)]
    assert parse_query('"穿黄色雨衣的孩子" + "🚲"') == [QueryTerm("text", "穿黄色雨衣的孩子"), QueryTerm("text", "🚲")]


def test_a_photo_path_that_does_not_exist_is_an_error_not_a_text_search(ref_jpg):
    for query in ('"red bicycle" + ./nope.jpg', f'{ref_jpg} - ~/Pictures/nope.png', "./nope.jpg", "IMG_1234.HEIC"):
        with pytest.raises(QuerySyntaxError, match="no photo at"):
            parse_query(query)
    # quoting makes it text; plain paragraphs with slashes or file names in them stay one text
    assert parse_query('"red bicycle" + "./nope.jpg"')[1] == QueryTerm("text", "./nope.jpg")
    for text in ("AC/DC concert, crowd at night", "the photo called IMG_1234.jpg on my desk"):
        assert parse_query(text) == [QueryTerm("text", text)]


def test_errors_are_clear():
    with pytest.raises(QuerySyntaxError, match="empty"):
        parse_query("   ")
    with pytest.raises(QuerySyntaxError, match="unclosed"):
        parse_query('"red bicycle in the rain')
    with pytest.raises(QuerySyntaxError, match="weight 0"):
        parse_query('"0:red"')
