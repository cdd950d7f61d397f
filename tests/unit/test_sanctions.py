"""Sanctions lists: the real OFAC, UN and OpenSanctions files parse, and diffs become events."""

from __future__ import annotations

import json
from datetime import UTC, datetime

import pytest

from services.ingest.sanctions.countries import iso2_to_iso3, to_iso3
from services.ingest.sanctions.diff import (
    Change,
    changes_to_events,
    diff_snapshots,
    ftm_delta_changes,
    plan_snapshot,
)
from services.ingest.sanctions.model import Snapshot, snapshot_from_json, snapshot_to_json
from services.ingest.sanctions.ofac_csv import parse_ofac_csv, split_programmes
from services.ingest.sanctions.opensanctions import parse_ftm_entities
from services.ingest.sanctions.snapshot_store import MemorySnapshotStore
from services.ingest.sanctions.un_xml import parse_un_xml
from services.ingest.sources.base import Document
from shared.dlq import InvalidEvent
from shared.ids import event_id
from tests.conftest import FIXTURES

POLICY = FIXTURES / "policy"
SDN = POLICY / "ofac_sdn_2024-04-26.csv"
UN = POLICY / "un_sc_consolidated_2018-10-29.xml"
FTM = POLICY / "opensanctions_yente_t1_entities.ftm.json"
DELTA = POLICY / "opensanctions_yente_t2_20240527194702.delta.json"
FETCHED = datetime(2026, 11, 22, 12, 0, tzinfo=UTC)
FEED = "ofac-sdn"


def list_doc(fetched: datetime = FETCHED, feed: str = FEED) -> Document:
    return Document(feed, "https://example.org/sdn.csv", b"", fetched)


@pytest.fixture(scope="module")
def sdn() -> Snapshot:
    snapshot, rejected = parse_ofac_csv(SDN.read_bytes(), "ofac-sdn")
    assert rejected == []
    return snapshot


def test_every_row_of_the_real_sdn_list_is_a_designation(sdn: Snapshot) -> None:
    assert len(sdn) == 14668  # every numbered row; the trailing Ctrl-Z line is no row
    types = {t: sum(d.entity_type == t for d in sdn.values()) for t in
             ("individual", "entity", "vessel", "aircraft")}
    assert types == {"individual": 6820, "entity": 6630, "vessel": 835, "aircraft": 383}


@pytest.mark.parametrize(
    ("ent_num", "entity_type", "programmes", "countries"),
    [
        ("306", "entity", ("CUBA",), ()),
        ("25257", "vessel", ("IFSR", "IRAN", "NPWMD"), ("IRN",)),  # country from the flag
        ("11648", "individual", ("NPWMD",), ("PRK",)),  # "nationality Korea, North"
        ("15892", "individual", ("MAGNIT", "RUSSIA-EO14024"), ("RUS", "UKR")),
        ("16666", "individual", ("RUSSIA-EO14024", "UKRAINE-EO13661"), ("ARM", "FIN", "RUS")),
        ("9340", "individual", ("SDNTK",), ("CHN", "KHM")),  # "citizen China; alt. citizen …"
    ],
)
def test_sdn_programmes_and_countries_of_real_entries(
    sdn: Snapshot, ent_num: str, entity_type: str, programmes: tuple[str, ...],
    countries: tuple[str, ...],
) -> None:
    designation = sdn[ent_num]
    assert (designation.entity_type, designation.programmes, designation.countries) == (
        entity_type, programmes, countries)


def test_consolidated_list_takes_countries_and_aliases_from_its_companion_files() -> None:
    snapshot, rejected = parse_ofac_csv(
        (POLICY / "ofac_nonsdn_cons_prim_2018-04-06.csv").read_bytes(), "ofac-cons",
        addresses=(POLICY / "ofac_nonsdn_cons_add_2018-04-06.csv").read_bytes(),
        aliases=(POLICY / "ofac_nonsdn_cons_alt_2018-04-06.csv").read_bytes())
    assert (len(snapshot), rejected) == (639, [])
    assert sum(bool(d.aliases) for d in snapshot.values()) == 495  # entries with an alt row
    bank = snapshot["4632"]
    assert bank.name == "BANK MARKAZI JOMHOURI ISLAMI IRAN" and bank.countries == ("IRN",)
    assert "CENTRAL BANK OF IRAN" in bank.aliases and bank.list_name == "ofac-cons"


def test_the_real_un_list_has_703_individuals_and_390_entities() -> None:
    snapshot, rejected = parse_un_xml(UN.read_bytes())
    assert (len(snapshot), rejected) == (1093, [])
    assert sum(d.entity_type == "individual" for d in snapshot.values()) == 703
    person, department = snapshot["6908555"], snapshot["6908629"]
    assert (person.name, person.programmes, person.countries) == ("RI WON HO", ("DPRK",), ("PRK",))
    assert (person.reference, person.listed_on) == ("KPi.033", "2016-11-30")
    assert department.entity_type == "entity" and department.countries == ("PRK",)  # address


def test_ftm_export_keeps_the_listed_parties_and_skips_their_addresses() -> None:
    snapshot, rejected = parse_ftm_entities(FTM.read_bytes())
    assert (len(snapshot), rejected) == (6, [])  # 7 lines: 4 Person, 2 Organization, 1 Address
    irgc = snapshot["NK-2PacmNpiLUmoz4XD2mSt7A"]
    assert (irgc.name, irgc.entity_type, irgc.countries) == ("IRGC", "entity", ("IRN",))
    assert irgc.programmes == ("eu_fsf",) and irgc.listed_on == "2012-03-24"
    assert snapshot["NK-2Ka3UvopqbpZmVDFjWd4LA"].countries == ("RUS",)  # "nationality": ["ru"]


def changed_copy(body: bytes) -> bytes:
    """The real list, with 3 rows removed, 2 added, 2 amended and 1 merely re-ordered."""
    rows = {line.split(b",", 1)[0]: line for line in body.split(b"\r\n") if line[:1].isdigit()}
    for gone in (b"306", b"17229", b"25783"):
        del rows[gone]
    rows[b"25257"] = rows[b"25257"].replace(b'"IRAN] [NPWMD] [IFSR"', b'"IRAN] [NPWMD] [IFSR] [SDGT"')
    rows[b"9753"] = rows[b"9753"].replace(b'worldwide."', b'worldwide; Linked To: TEST CO."')
    rows[b"25258"] = rows[b"25258"].replace(b'"IRAN] [NPWMD] [IFSR"', b'"IFSR] [IRAN] [NPWMD"')
    blank = b",-0- ,-0- ,-0- ,-0- ,-0- ,-0- ,-0- ,"
    rows[b"99000001"] = b'99000001,"NEW SHIPPING LLC",-0- ,"IRAN] [NPWMD"' + blank + b'"nationality Iran."'
    rows[b"99000002"] = b'99000002,"NEW, Person","individual","SDGT"' + blank + b"-0- "
    return b"\r\n".join(rows.values()) + b"\r\n\x1a"


def test_a_changed_copy_of_the_real_list_yields_exactly_its_changes(sdn: Snapshot) -> None:
    current, rejected = parse_ofac_csv(changed_copy(SDN.read_bytes()), "ofac-sdn")
    assert rejected == []
    changes = diff_snapshots(sdn, current)
    events = changes_to_events(changes, list_doc())
    assert [(e.fields["change"], e.fields["entity_id"]) for e in events] == [
        ("removed", "306"), ("changed", "9753"), ("removed", "17229"), ("changed", "25257"),
        ("removed", "25783"), ("added", "99000001"), ("added", "99000002")]
    for change, event in zip(changes, events, strict=True):
        d = change.designation
        assert event.id == event_id(FEED, f"ofac-sdn:{d.entity_id}:{change.kind}:{d.fingerprint()}")
        assert event.kind == "policy" and event.source == FEED and event.published_at == FETCHED
        assert event.fields["published_at_inferred"] is True
    by_id = {e.fields["entity_id"]: e for e in events}
    assert by_id["25257"].fields["changed_fields"] == "programmes"
    assert by_id["25257"].fields["programmes"] == "IFSR; IRAN; NPWMD; SDGT"
    assert by_id["9753"].fields["changed_fields"] == "remarks"
    assert by_id["99000001"].fields["countries"] == "IRN"
    assert by_id["306"].title == ("OFAC SDN sanctions: delisted — BANCO NACIONAL DE CUBA "
                                  "(entity; programmes CUBA)")
    assert by_id["25257"].title.startswith("OFAC SDN sanctions: designation changed — DORITA "
                                           "(vessel; Iran; programmes IFSR, IRAN, NPWMD, SDGT")
    assert "programmes were IFSR, IRAN, NPWMD, now IFSR, IRAN, NPWMD, SDGT" in by_id["25257"].summary


def test_a_snapshot_diffed_against_itself_has_no_changes(sdn: Snapshot) -> None:
    again, _ = parse_ofac_csv(SDN.read_bytes(), "ofac-sdn")
    assert diff_snapshots(sdn, again) == []
    assert plan_snapshot(sdn, again, announce_initial=True) == []


def test_the_first_snapshot_is_a_silent_baseline_unless_asked(sdn: Snapshot) -> None:
    assert plan_snapshot(None, sdn, announce_initial=False) == []
    announced = plan_snapshot(None, sdn, announce_initial=True)
    assert len(announced) == 14668 and {c.kind for c in announced} == {"added"}


def test_a_snapshot_that_would_delist_most_of_the_list_is_refused(sdn: Snapshot) -> None:
    half = dict(list(sdn.items())[: len(sdn) // 2 - 1])
    with pytest.raises(InvalidEvent, match="de-list 7335 of 14668"):
        plan_snapshot(sdn, half, announce_initial=False)
    small = dict(list(sdn.items())[:10])
    assert len(plan_snapshot(small, {}, announce_initial=False)) == 10  # too small to guard


@pytest.mark.parametrize("body", [b"", b"<html><body>Service Unavailable</body></html>", b"\x1a"])
def test_a_document_with_no_readable_entry_is_refused_not_an_empty_list(body: bytes) -> None:
    with pytest.raises(InvalidEvent, match="not an OFAC list"):
        parse_ofac_csv(body, "ofac-sdn")
    with pytest.raises(InvalidEvent, match="not an FtM export"):
        parse_ftm_entities(body)


def test_the_same_change_announced_twice_is_the_same_event(sdn: Snapshot) -> None:
    change = [Change("added", sdn["25257"])]
    first = changes_to_events(change, list_doc(FETCHED))
    later = changes_to_events(change, list_doc(datetime(2027, 1, 1, tzinfo=UTC)))
    elsewhere = changes_to_events(change, list_doc(feed="mirror"))
    removed = changes_to_events([Change("removed", sdn["25257"])], list_doc())
    assert first[0].id == later[0].id
    assert len({first[0].id, elsewhere[0].id, removed[0].id}) == 3


async def test_a_snapshot_survives_the_store_and_a_corrupt_one_reads_as_absent(
    sdn: Snapshot,
) -> None:
    assert snapshot_from_json(snapshot_to_json(sdn)) == sdn
    store = MemorySnapshotStore()
    assert await store.load("ofac-sdn") is None
    await store.save("ofac-sdn", sdn)
    assert await store.load("ofac-sdn") == sdn
    store.values["ofac-sdn"] = b"not zlib"
    assert await store.load("ofac-sdn") is None


def test_real_delta_adds_are_dated_by_the_data() -> None:
    changes, rejected = ftm_delta_changes(DELTA.read_bytes())
    assert rejected == [] and [c.kind for c in changes] == ["added", "added"]
    events = changes_to_events(changes, list_doc(feed="opensanctions"))
    assert events[0].title.startswith("OpenSanctions sanctions: designation added — AL-QAIDA IN "
                                      "IRAQ (entity; Iraq, Syria;")
    assert {e.published_at for e in events} == {datetime(2024, 5, 28, 15, 51, 35, tzinfo=UTC)}
    assert not any(e.fields.get("published_at_inferred") for e in events)


def test_delta_mod_and_an_id_only_del_are_changes_and_bad_lines_are_rejected() -> None:
    entity = json.loads(FTM.read_bytes().splitlines()[6])  # the IRGC organisation
    lines = [
        json.dumps({"op": "MOD", "entity": entity}).encode(),
        json.dumps({"op": "DEL", "entity": {"id": "NK-gone"}}).encode(),
        json.dumps({"op": "ADD", "entity": json.loads(FTM.read_bytes().splitlines()[3])}).encode(),
        b'{"op": "ADD", "entity": {"id": "NK-broken"',
        b'{"op": "MERGE", "entity": {"id": "NK-x"}}',
    ]
    changes, rejected = ftm_delta_changes(b"\n".join(lines))
    assert [(c.kind, c.designation.entity_id) for c in changes] == [
        ("changed", "NK-2PacmNpiLUmoz4XD2mSt7A"), ("removed", "NK-gone")]  # Address skipped
    modified, gone = changes_to_events(changes, list_doc())
    assert modified.fields["changed_fields"] == ""  # a delta does not say which fields
    assert gone.title == "OpenSanctions sanctions: delisted — NK-gone (unknown)"
    assert gone.published_at == FETCHED and gone.fields["published_at_inferred"] is True
    assert [r.payload for r in rejected] == lines[3:]


ROW = b',-0- ,"CUBA",-0- ,-0- ,-0- ,-0- ,-0- ,-0- ,-0- ,-0- '


@pytest.mark.parametrize(
    ("bad_line", "reason"),
    [
        (b'99000003,"SHORT ROW",-0- ', "3 columns, expected 12"),
        (b'X12,"NOT A NUMBER"' + ROW, "non-numeric ent_num"),
        (b'306,"DUPLICATE"' + ROW, "duplicate ent_num 306"),
        (b'99000004,"UNTERMINATED' + ROW, "CSV syntax"),
    ],
)
def test_a_broken_ofac_row_is_rejected_with_its_bytes_and_the_rest_goes_on(
    bad_line: bytes, reason: str
) -> None:
    body = b'306,"BANCO NACIONAL DE CUBA"' + ROW + b"\r\n" + bad_line + b"\r\n"
    snapshot, rejected = parse_ofac_csv(body, "ofac-sdn")
    assert list(snapshot) == ["306"]
    assert len(rejected) == 1 and reason in rejected[0].reason
    assert rejected[0].payload.rstrip(b"\r\n") == bad_line


def test_windows_1252_lists_are_read_and_a_header_row_is_skipped() -> None:
    header = b"ent_num,SDN_Name,SDN_Type,Program,Title,Call_Sign,Vess_type,Tonnage,GRT,Vess_flag," \
             b"Vess_owner,Remarks\r\n"
    snapshot, rejected = parse_ofac_csv(header + b'7,"CAF\xc9 NO\xcfR"' + ROW + b"\r\n\x1a", "x")
    assert rejected == [] and snapshot["7"].name == "CAFÉ NOÏR"


@pytest.mark.parametrize(
    ("body", "reason"),
    [
        (UN.read_bytes()[:50_000], "well-formed"),  # truncated mid-list
        (b'<?xml version="1.0"?><!DOCTYPE l [<!ENTITY a "aaaa"><!ENTITY b "&a;&a;&a;">]>'
         b"<CONSOLIDATED_LIST>&b;</CONSOLIDATED_LIST>", "entity"),  # expansion bomb
        (b'<?xml version="1.0"?><!DOCTYPE l [<!ENTITY x SYSTEM "file:///etc/passwd">]>'
         b"<CONSOLIDATED_LIST>&x;</CONSOLIDATED_LIST>", "entity"),  # external entity (XXE)
        (b'<!DOCTYPE CONSOLIDATED_LIST SYSTEM "http://example.org/x.dtd"><CONSOLIDATED_LIST/>',
         "well-formed"),  # an external DTD is refused too
        (b"<rss><channel/></rss>", "not a UN consolidated list"),
        (b"", "well-formed"),
        (b"\xff\xfe\x00garbage", "well-formed"),
    ],
)
def test_unsafe_or_broken_un_lists_are_refused_whole(body: bytes, reason: str) -> None:
    with pytest.raises(InvalidEvent, match=reason):
        parse_un_xml(body)


def test_a_un_entry_without_an_id_is_rejected_with_its_xml() -> None:
    body = UN.read_bytes().replace(b"<DATAID>6908555</DATAID>", b"", 1)
    snapshot, rejected = parse_un_xml(body)
    assert len(snapshot) == 1092 and "6908555" not in snapshot
    assert rejected[0].reason == "individual has no DATAID" and b"KPi.033" in rejected[0].payload


def test_a_broken_ftm_line_is_rejected_and_the_rest_goes_on() -> None:
    lines = FTM.read_bytes().splitlines()
    bad = [b'{"id": "NK-cut", "schema": "Person", "prop', b"[1, 2]", b'{"schema": "Person"}',
           b"\xff\xfe not utf-8", b"[" * 100_000]
    snapshot, rejected = parse_ftm_entities(b"\n".join(lines[:2] + bad + lines[2:]))
    assert len(snapshot) == 6
    assert [r.payload for r in rejected] == bad


@pytest.mark.parametrize(
    ("name", "iso3"),
    [("Korea, North", "PRK"), ("Burma", "MMR"), ("Russia", "RUS"), ("Iran", "IRN"),
     ("Iran (Islamic Republic of)", "IRN"), ("Congo, Democratic Republic of the", "COD"),
     ("Turkey", "TUR"), ("Syrian Arab Republic", "SYR"), ("Afghan", "AFG"), ("Kosovo", "XKX"),
     ("Indonesia (as at Dec. 2003)", "IDN"), ("Democratic People's Republic of Korea", "PRK"),
     ("None Identified", None), ("USSR (until 1991)", None), ("", None)],
)
def test_list_country_names_map_to_iso3(name: str, iso3: str | None) -> None:
    assert to_iso3(name) == iso3


def test_ftm_country_codes_and_ofac_programme_brackets() -> None:
    assert [iso2_to_iso3(c) for c in ("ru", "IR", "suhh", "")] == ["RUS", "IRN", None, None]
    assert split_programmes("NPWMD] [IFSR") == split_programmes("[NPWMD] [IFSR]") == ["NPWMD", "IFSR"]
