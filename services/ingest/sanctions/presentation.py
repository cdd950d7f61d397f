"""How a sanctions change reads: the title, summary and link of its event.

Titles are plain English with the words a reader (and the keyword scorer) looks for —
"sanctions", "designation", "delisted" — and country names spelt out, since scorers find
countries in text, not in ISO codes.
"""

from __future__ import annotations

from services.ingest.sanctions.countries import country_name
from services.ingest.sanctions.model import Designation, truncate

# list_name → (label, public page). Entry pages exist where the list has them (see list_url).
LISTS: dict[str, tuple[str, str | None]] = {
    "ofac-sdn": ("OFAC SDN", "https://sanctionssearch.ofac.treas.gov/"),
    "ofac-cons": ("OFAC Consolidated (non-SDN)", "https://sanctionssearch.ofac.treas.gov/"),
    "un-sc": ("UN Security Council",
              "https://main.un.org/securitycouncil/en/content/un-sc-consolidated-list"),
    "opensanctions": ("OpenSanctions", "https://www.opensanctions.org/"),
}
_PHRASES = {"added": "designation added", "removed": "delisted", "changed": "designation changed"}
_IN_TITLE = {"countries": 3, "programmes": 5}
MAX_TITLE = 500
MAX_SUMMARY = 4000


def list_label(list_name: str) -> str:
    return LISTS.get(list_name, (list_name.upper(), None))[0]


def list_url(designation: Designation) -> str | None:
    """The entry's own public page where the list has one, else the list's page."""
    if designation.list_name in ("ofac-sdn", "ofac-cons") and designation.entity_id.isdigit():
        return f"https://sanctionssearch.ofac.treas.gov/Details.aspx?id={designation.entity_id}"
    if designation.list_name == "opensanctions":
        return f"https://www.opensanctions.org/entities/{designation.entity_id}/"
    return LISTS.get(designation.list_name, ("", None))[1]


def change_title(kind: str, designation: Designation, changed: tuple[str, ...] = ()) -> str:
    """E.g. "OFAC SDN sanctions: designation added — DORITA (vessel; Iran; programmes IFSR, IRAN)"."""
    details = [designation.entity_type]
    if designation.countries:
        details.append(", ".join(_first(_names(designation.countries), _IN_TITLE["countries"])))
    if designation.programmes:
        progs = _first(list(designation.programmes), _IN_TITLE["programmes"])
        details.append("programmes " + ", ".join(progs))
    if changed:
        details.append("changed " + ", ".join(changed))
    title = (f"{list_label(designation.list_name)} sanctions: {_PHRASES[kind]} — "
             f"{designation.name} ({'; '.join(details)})")
    return truncate(title, MAX_TITLE)


def change_summary(kind: str, designation: Designation, previous: Designation | None) -> str:
    """A few sentences: what happened, then where, under what, and what the list says."""
    label, name = list_label(designation.list_name), designation.name
    who = f"{name} ({designation.entity_type})"
    if kind == "added":
        lead = f"{who} was designated on the {label} sanctions list."
    elif kind == "removed":
        lead = f"{who} was delisted: removed from the {label} sanctions list."
    else:
        lead = f"The {label} sanctions designation of {who} changed"
        lead += f": {_what_changed(previous, designation)}." if previous else "."
    parts = [lead]
    if designation.programmes:
        parts.append(f"Programmes: {', '.join(designation.programmes)}.")
    if designation.countries:
        named = (f"{n} ({c})" for n, c in zip(_names(designation.countries),
                                                designation.countries, strict=True))
        parts.append(f"Countries: {', '.join(named)}.")
    if designation.reference:
        parts.append(f"Reference: {designation.reference}.")
    if designation.listed_on:
        parts.append(f"Listed on: {designation.listed_on}.")
    if designation.aliases:
        parts.append(f"Also known as: {'; '.join(_first(list(designation.aliases), 5))}.")
    if designation.remarks:
        parts.append(f"Remarks: {designation.remarks}")
    return truncate(" ".join(parts), MAX_SUMMARY)


def _what_changed(previous: Designation, current: Designation) -> str:
    """"programmes were IRAN, now IRAN, NPWMD; remarks" — old and new values for short fields."""
    described = []
    for field in ("name", "entity_type", "programmes", "countries", "remarks", "aliases",
                  "reference", "listed_on"):
        before, after = getattr(previous, field), getattr(current, field)
        if before == after:
            continue
        if field in ("programmes", "countries", "name", "entity_type"):
            was = ", ".join(before) if isinstance(before, tuple) else before
            now = ", ".join(after) if isinstance(after, tuple) else after
            described.append(f"{field} were {was or 'none'}, now {now or 'none'}"
                             if isinstance(before, tuple) else f"{field} was {was}, now {now}")
        else:
            described.append(field)
    return "; ".join(described) or "details"


def _names(codes: tuple[str, ...]) -> list[str]:
    return [country_name(code) for code in codes]


def _first(items: list[str], limit: int) -> list[str]:
    return items if len(items) <= limit else items[:limit] + [f"+{len(items) - limit} more"]
