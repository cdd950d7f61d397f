"""Court rulings and government orders that change the rules for business are regulatory, minor
ones at level 1 (GUIDELINES §2 and the severity calibration): a court staying or quashing a
project decision or ordering closures, antitrust probes, moratoriums, a law announced, a
bankruptcy code passed, capital controls. Criminal cases before a court, law and order, and a
judge who stays in office are none of these. Every headline is invented."""

from __future__ import annotations

import pytest

from tests.scoring_probe import level, score


@pytest.mark.parametrize(
    ("title", "expected"),
    [
        ("Supreme court stays demolition of market in the capital", 1),
        ("High court quashes land acquisition for steel plant", 1),
        ("High court orders closure of tanneries", 1),
        ("Regulator probes foreign carmakers for price fixing", 1),
        ("Government announces moratorium on new coal mines", 1),
        ("Government to bring law on surrogacy", 1),
        ("Parliament passes bankruptcy code", 2),
        ("Central bank tightens capital controls on outbound investment", 2),
    ],
)
def test_rulings_and_orders_that_change_business_rules(title: str, expected: int) -> None:
    scored = score(title)
    assert scored.category == "regulatory"
    assert level(scored) == expected


@pytest.mark.parametrize("title", [
    "High court quashes case against actor",
    "Court stays execution of death row convict",
    "Police vow to bring law and order to the city",
    "Judge stays in office despite criticism",
    "Chinese firms invest billions in mines abroad",
])
def test_criminal_cases_and_cooperation_change_no_business_rule(title: str) -> None:
    assert score(title).category != "regulatory"
