"""The CAMEO root event codes a GDELT event row refers to (FIPS 10-4 lives in shared.country_codes).

Both tables are loaded once, on first use, and validated then: a broken data file fails loudly at
start-up instead of quietly producing titles or countries that are wrong.
"""

from __future__ import annotations

import json
import re
from functools import cache
from pathlib import Path

from shared.country_codes import fips_to_iso3

__all__ = ["cameo_root_phrases", "fips_to_iso3", "root_code_phrase"]

CAMEO_ROOT_CODES = Path(__file__).resolve().parent.parent / "data" / "cameo_root_codes.json"
_ROOT_CODE = re.compile(r"\d{2}")



@cache
def cameo_root_phrases(path: Path = CAMEO_ROOT_CODES) -> dict[str, str]:
    """Two-digit CAMEO root code ("01" … "20") → a short English verb phrase ("protest").

    Raises ``ValueError`` when the file is not the 20 codes, each with a non-empty phrase.
    """
    codes = json.loads(path.read_text(encoding="utf-8"))["codes"]
    if not isinstance(codes, dict) or len(codes) != 20:
        raise ValueError(f"{path}: 'codes' must map the 20 CAMEO root codes")
    for code, phrase in codes.items():
        if not _ROOT_CODE.fullmatch(code) or not isinstance(phrase, str) or not phrase.strip():
            raise ValueError(f"{path}: bad entry {code!r}: {phrase!r}")
    return {code: phrase.strip() for code, phrase in codes.items()}


def root_code_phrase(code: str) -> str | None:
    """The verb phrase for a CAMEO root code, or ``None`` for a code outside the 20."""
    return cameo_root_phrases().get(code)
