"""GDELT 2.0 mention slugs from .id .my .gr .hu .rs .ru-speaking and .vn outlets are often
transliterated: the lexicon's words for each risk class in those languages detect the class
(GUIDELINES §4 keeps such slugs as they are). Every slug here is invented."""

from __future__ import annotations

import pytest

from tests.scoring_probe import level, score


@pytest.mark.parametrize(
    ("slug", "category"),
    [
        # Armed conflict (Indonesian/Malay, Greek, Hungarian, Russian, Vietnamese).
        ("Perang saudara meletus di perbatasan utara", "political"),
        ("Fovoi gia neo polemo stin perioxi meta tis sygkrouseis", "political"),
        ("Haboru a keleti hataron a hadsereg elorenyomul", "political"),
        ("Voyna na vostoke strany prodolzhaetsya", "political"),
        ("Chien tranh bien gioi leo thang", "political"),
        # Coups (Indonesian/Malay, Hungarian, Greek, Russian, Vietnamese, Serbian).
        ("Kudeta militer guncang ibu kota", "political"),
        ("Puccskiserlet a fovarosban az elnok ellen", "political"),
        ("Apotyximeno praxikopima ston stratos", "political"),
        ("Gosudarstvennyy perevorot v strane", "political"),
        ("Dao chinh quan su o thu do", "political"),
        ("Pokusaj drzavni udar u glavnom gradu", "political"),
        # Threats and tension (Greek, Indonesian, Serbian, Hungarian, Vietnamese).
        ("Tourkia apeilei tin ellada", "political"),
        ("Ketegangan meningkat di laut selatan", "political"),
        ("Feszultseg a hataron", "political"),
        ("Cang thang bien gioi tang cao", "political"),
        # Sanctions in Serbian's instrumental case.
        ("Vlada uvodi nove mere uz sankcijama", "regulatory"),
        # Disasters, strikes, sanctions and laws, already in the lexicon.
        ("Banjir rendam ribuan rumah warga", "supply_chain"),
        ("Apergia sta limania kai ta plia", "supply_chain"),
        ("Novye sanktsii protiv bankov", "regulatory"),
    ],
)
def test_transliterated_risk_words_detect_their_class(slug: str, category: str) -> None:
    scored = score(slug)
    assert scored.category == category
    assert level(scored) >= 1


@pytest.mark.parametrize("slug", [
    "Pesta budaya tahunan dibuka di alun alun kota",  # a culture festival (Indonesian)
    "Neo mouseio anoigei stin athina",  # a museum opens (Greek)
])
def test_ordinary_transliterated_news_is_no_risk(slug: str) -> None:
    assert score(slug).category == "none"
