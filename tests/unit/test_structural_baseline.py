"""Structural baselines (WGI) and the Kogut–Singh cultural distance to China, against the real data."""

from __future__ import annotations

import csv
import importlib.util
from pathlib import Path
from types import ModuleType

import pytest

from services.scorer.index.cultural_distance import (
    DEFAULT_HOFSTEDE,
    distances_to,
    kogut_singh,
    load_cultural_distances,
    load_hofstede,
)
from services.scorer.index.structural import (
    DEFAULT_WGI,
    StructuralBaseline,
    baseline_from_wgi,
    load_baselines,
    wgi_risk,
)
from tests.conftest import ROOT

ORIGINALS = Path("/work/shared/data/structural")


@pytest.fixture(scope="module")
def baselines() -> dict[str, StructuralBaseline]:
    return load_baselines()


def wgi_row(iso3: str) -> dict[str, str]:
    with DEFAULT_WGI.open(encoding="utf-8") as handle:
        return next(row for row in csv.DictReader(handle) if row["iso3"] == iso3)


@pytest.mark.parametrize(
    ("estimate", "risk"),
    [(-2.5, 100.0), (0.0, 50.0), (2.5, 0.0), (-1.0, 70.0), (1.25, 25.0), (-2.75, 100.0), (3.1, 0.0)],
)
def test_wgi_estimate_maps_inverted_and_clamped_onto_0_to_100(estimate: float, risk: float) -> None:
    assert wgi_risk(estimate) == pytest.approx(risk)


@pytest.mark.parametrize("fragile", ["AFG", "SYR", "YEM"])
@pytest.mark.parametrize("stable", ["SGP", "NOR"])
def test_fragile_states_have_a_riskier_political_and_regulatory_baseline(
    baselines: dict[str, StructuralBaseline], fragile: str, stable: str
) -> None:
    risky, safe = baselines[fragile], baselines[stable]
    assert risky.political is not None and safe.political is not None
    assert risky.regulatory is not None and safe.regulatory is not None
    assert risky.political > safe.political + 50
    assert risky.regulatory > safe.regulatory + 40


def test_every_baseline_is_on_the_0_to_100_scale(baselines: dict[str, StructuralBaseline]) -> None:
    values = [v for b in baselines.values() for v in (b.political, b.regulatory, b.supply_chain)
              if v is not None]
    assert len(values) > 600 and all(0 <= v <= 100 for v in values)


@pytest.mark.parametrize("iso3", ["SGP", "PAK", "SRB", "CHN"])
def test_baselines_follow_the_csv_estimates(baselines: dict[str, StructuralBaseline], iso3: str) -> None:
    row = wgi_row(iso3)
    baseline = baselines[iso3]
    assert baseline.wgi_year == 2023
    assert baseline.political == pytest.approx(50 - 20 * float(row["pv"]))
    assert baseline.regulatory == pytest.approx(50 - 20 * (float(row["rq"]) + float(row["rl"])) / 2)
    assert baseline.supply_chain == pytest.approx(50 - 20 * float(row["ge"]))


def test_a_missing_indicator_is_no_baseline_not_a_guess(baselines: dict[str, StructuralBaseline]) -> None:
    niue = baselines["NIU"]  # WGI 2023 rates Niue's rule of law but not its political stability
    assert niue.political is None and niue.regulatory is not None
    assert "ATA" not in baselines  # Antarctica: no structural data at all


@pytest.mark.parametrize(
    ("estimates", "regulatory"),
    [({"rq": 1.0, "rl": -1.0}, 50.0), ({"rq": 1.0}, 30.0), ({"rl": -1.0}, 70.0), ({}, None)],
)
def test_regulatory_baseline_averages_whichever_of_rq_and_rl_exist(
    estimates: dict[str, float | None], regulatory: float | None
) -> None:
    assert baseline_from_wgi("XXX", estimates, 2023).regulatory == regulatory


def test_world_bank_codes_are_mapped_to_iso3(baselines: dict[str, StructuralBaseline]) -> None:
    assert {"XKX", "PSE", "ROU", "COD", "TLS", "AND"} <= set(baselines)
    assert not {"KSV", "WBG", "ROM", "ZAR", "TMP", "ADO", "ANT"} & set(baselines)


def test_kogut_singh_matches_a_hand_calculation() -> None:
    # pdi 60/80/100 → sample variance 400; idv 40/20/0 → 400; mas 56/66/76 → 100; uai 50/30/10 → 400.
    profiles: dict[str, dict[str, float | None]] = {
        "CHN": {"pdi": 80, "idv": 20, "mas": 66, "uai": 30},
        "AAA": {"pdi": 60, "idv": 40, "mas": 56, "uai": 50},
        "BBB": {"pdi": 100, "idv": 0, "mas": 76, "uai": 10},
        "CCC": {"pdi": 10, "idv": 90, "mas": None, "uai": 90},  # partial: no KS, not in the variances
    }
    distances = distances_to(profiles)
    # AAA: (20²/400 + 20²/400 + 10²/100 + 20²/400) / 4 = 1.0
    assert distances == {"CHN": 0.0, "AAA": pytest.approx(1.0), "BBB": pytest.approx(1.0), "CCC": None}


def test_kogut_singh_of_pakistan_to_china_against_the_real_file() -> None:
    with DEFAULT_HOFSTEDE.open(encoding="utf-8") as handle:
        rows = [r for r in csv.DictReader(handle)
                if r["iso3"] and all(r[d] != "#NULL!" for d in ("pdi", "idv", "mas", "uai"))]
    columns = {d: [float(r[d]) for r in rows] for d in ("pdi", "idv", "mas", "uai")}
    variances = {d: sum((x - sum(v) / len(v)) ** 2 for x in v) / (len(v) - 1) for d, v in columns.items()}
    pak, chn = (55, 14, 50, 70), (80, 20, 66, 30)
    expected = sum((p - c) ** 2 / variances[d]
                   for d, p, c in zip(("pdi", "idv", "mas", "uai"), pak, chn, strict=True)) / 4
    assert len(rows) == 69
    assert load_cultural_distances()["PAK"] == pytest.approx(expected)


def test_countries_without_the_four_core_dimensions_have_no_cultural_distance(
    baselines: dict[str, StructuralBaseline],
) -> None:
    distances = load_cultural_distances()
    assert distances["EGY"] is None  # in the file with only ltowvs and ivr
    assert "KAZ" not in distances and baselines["KAZ"].cultural_distance is None  # not in the file
    assert baselines["CHN"].cultural_distance == 0.0


def test_hofstede_codes_are_not_read_as_iso3() -> None:
    profiles = load_hofstede()
    assert profiles["MNE"]["pdi"] is None and "MNG" not in profiles  # Hofstede's MNG is Montenegro
    assert profiles["SVN"]["pdi"] == 71 and profiles["SLV"]["pdi"] == 66  # SLV = Slovenia there
    assert "ARA" not in profiles  # "Arab countries" is a region, not a proxy for its members


@pytest.mark.parametrize(
    ("iso3", "low", "high"),
    [("VNM", 0.3, 0.7), ("IDN", 0.3, 0.6), ("PAK", 1.0, 1.4), ("SRB", 1.8, 2.3), ("HUN", 3.4, 4.0)],
)
def test_bri_cultural_distances_are_in_the_expected_order(iso3: str, low: float, high: float) -> None:
    distance = load_cultural_distances()[iso3]
    assert distance is not None and low < distance < high


def test_kogut_singh_is_zero_for_identical_profiles() -> None:
    same = {"pdi": 1.0, "idv": 2.0, "mas": 3.0, "uai": 4.0}
    assert kogut_singh(same, same, {"pdi": 1, "idv": 1, "mas": 1, "uai": 1}) == 0


def _build_script() -> ModuleType:
    spec = importlib.util.spec_from_file_location("build_structural_data",
                                                  ROOT / "scripts" / "build_structural_data.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.mark.skipif(not ORIGINALS.exists(), reason="the original WGI/Hofstede files are not mounted")
def test_data_files_are_reproduced_byte_for_byte_by_the_build_script() -> None:
    script = _build_script()
    assert script.build_wgi(ORIGINALS / "wgi_1996-2023.csv") == DEFAULT_WGI.read_text(encoding="utf-8")
    assert (script.build_hofstede(ORIGINALS / "hofstede_6d_2015-08-16.csv")
            == DEFAULT_HOFSTEDE.read_text(encoding="utf-8"))
