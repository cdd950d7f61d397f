"""A tenant's alerting configuration: YAML in, one error line by file, line and field out;
matchers, durations, and which receiver URLs may be used."""

from __future__ import annotations

import base64
import ipaddress
from datetime import timedelta

import pytest

from shared.alerting.config import TenantConfig
from shared.alerting.config_yaml import MAX_BYTES, ConfigError, dump_config, load_config
from shared.alerting.durations import format_duration, parse_duration
from shared.alerting.matchers import InvalidMatcher, all_match, parse_matcher
from shared.alerting.targets import check_targets, parse_allow_private
from tests.conftest import ROOT

SECRET = "whsec_" + base64.b64encode(b"k" * 32).decode()

FULL = f"""\
receivers:
  - name: ops
    url: https://hooks.example.com/brisk
    secret: {SECRET}
  - name: pager
    url: https://pager.example.com/v2/enqueue
    format: alertmanager
    send_resolved: false
  - name: audit            # a null receiver: notifications are recorded, not sent
route:
  receiver: ops
  group_by: [rule, country]
  group_wait: 30s
  group_interval: 5m
  repeat_interval: 4h
  routes:
    - receiver: audit
      continue: true
    - receiver: pager
      matchers: ['severity_level="critical"', 'country=~"PAK|LKA"']
      group_wait: 0s
      routes:
        - receiver: ops
          matchers: [kind="spike"]
rules:
  - name: serious-events
    kind: event
    min_severity: 50
    categories: [political, supply_chain]
    labels: {{team: risk}}
    resolve_after: 2h
  - name: pakistan-index
    kind: country_index
    matchers: ['country="PAK"']
    category: political
    above: 70
  - name: index-jump
    kind: country_index
    rise: 10
    within: 1h
  - name: story-spike
    kind: spike
  - name: watched
    kind: watchlist
  - name: exposed
    kind: exposure
    assets: [Gwadar port]
inhibit_rules:
  - source_matchers: ['severity_level="critical"']
    target_matchers: ['severity_level="high"']
    equal: [country]
assets:
  - name: Gwadar port
    kind: port
    countries: [PAK]
    lat: 25.12
    lon: 62.32
    radius_km: 30
    ref: PKGWD
  - name: Colombo supplier
    kind: supplier
    aliases: [Lanka Textiles]
watchlist:
  - China Overseas Port Holding
  - name: MV Ever Given
    kind: vessel
    aliases: [Ever Given]
"""


def test_a_full_configuration_loads_with_every_section() -> None:
    config = load_config(FULL, "acme.yaml")
    assert [r.name for r in config.receivers] == ["ops", "pager", "audit"]
    assert config.receivers[0].secret is not None
    assert config.receivers[0].secret.get_secret_value() == SECRET
    assert config.receivers[2].url is None
    assert config.route is not None and config.route.receivers() == {"ops", "pager", "audit"}
    assert config.route.routes[0].continue_ is True
    assert config.route.routes[1].group_wait == timedelta(0)
    assert [r.kind for r in config.rules] == ["event", "country_index", "country_index", "spike",
                                             "watchlist", "exposure"]
    assert config.rules[0].resolve_after == timedelta(hours=2)
    assert config.rules[2].within == timedelta(hours=1)
    assert config.inhibit_rules[0].equal == ["country"]
    assert config.assets[0].countries == ["PAK"]
    assert [w.name for w in config.watchlist] == ["China Overseas Port Holding", "MV Ever Given"]


def test_show_masks_secrets_and_reads_back_the_same_configuration() -> None:
    config = load_config(FULL)
    text = dump_config(config)
    assert SECRET not in text and "whsec_…" in text
    assert f"secret: whsec_…{SECRET[-4:]}\n" in text
    again = load_config("".join(line for line in text.splitlines(keepends=True)
                                if "secret:" not in line))
    assert again.model_dump(exclude={"receivers"}) == config.model_dump(exclude={"receivers"})
    assert [r.name for r in again.receivers] == ["ops", "pager", "audit"]


def test_an_empty_document_is_an_empty_configuration() -> None:
    assert load_config("") == TenantConfig()
    assert load_config("# nothing yet\n") == TenantConfig()


ROUTE = "receivers: [{name: ops}]\nroute:\n  receiver: ops\n"


@pytest.mark.parametrize(("text", "expected"), [
    pytest.param("rules:\n  - name: a\n    kind: event\n  - name: b\n    kind: event\n"
                 "    min_severity: 140\n",
                 "acme.yaml:6: rules[1].min_severity: Input should be less than or equal to 100",
                 id="out-of-range"),
    pytest.param(ROUTE + "  matchers: ['severity~\"x\"']\n",
                 "acme.yaml:4: route.matchers[0]: 'severity~\"x\"' is not a matcher",
                 id="bad-matcher"),
    pytest.param(ROUTE + "  routes:\n    - receiver: ops\n    - receiver: pager\n",
                 "acme.yaml:6: route.routes[1].receiver: receiver 'pager' is not defined in receivers",
                 id="unknown-receiver"),
    pytest.param("rules:\n  - name: a\n    kind: event\n  - name: a\n    kind: spike\n",
                 "acme.yaml:4: rules[1].name: the name 'a' is used twice", id="duplicate-rule"),
    pytest.param(ROUTE + "  group_wait: 5x\n",
                 "acme.yaml:4: route.group_wait: duration '5x' is not of the form", id="bad-duration"),
    pytest.param("receivers:\n  - name: ops\n    secret: whsec_c2hvcnQ=\nroute: {receiver: ops}\n",
                 "acme.yaml:3: receivers[0].secret: webhook secret must be whsec_", id="bad-secret"),
    pytest.param("rules:\n  - name: idx\n    kind: country_index\n    category: political\n",
                 "acme.yaml:2: rules[0]: a country_index rule needs above", id="index-needs-level"),
    pytest.param("rules:\n  - name: e\n    kind: event\n    above: 3\n",
                 "acme.yaml:4: rules[0].above: above applies to country_index rules only",
                 id="field-of-other-kind"),
    pytest.param("rules:\n  - name: e\n    kind: event\n    sevrity: 3\n",
                 "acme.yaml:4: rules[0].sevrity: unknown key", id="unknown-key"),
    pytest.param("rules:\n  - name: e\n    kind: event\n    name: f\n",
                 "acme.yaml:4: rules[0].name: duplicate key 'name' (first at line 2)",
                 id="duplicate-yaml-key"),
    pytest.param("assets:\n  - {name: Gwadar, kind: port, ref: PKGWD}\nrules:\n  - name: x\n"
                 "    kind: exposure\n    assets:\n      - Gwadar\n      - Karachi\n",
                 "acme.yaml:8: rules[0].assets[1]: asset 'Karachi' is not defined in assets",
                 id="unknown-asset"),
    pytest.param("receivers: [{name: ops}]\n",
                 "acme.yaml:1: route: receivers are defined but no route", id="no-route"),
    pytest.param("- rules\n", "acme.yaml:1: the document must be a mapping", id="not-a-mapping"),
    pytest.param("rules: [\n", "acme.yaml:2: while parsing a flow node", id="not-yaml"),
    pytest.param("a: !!python/object:os.system x\n", "acme.yaml:1: a: unsupported tag",
                 id="python-tag"),
    pytest.param("rules: &r [*r]\n", "acme.yaml:1: rules[0]: an alias refers to a value that "
                 "contains it", id="recursive-alias"),
    pytest.param("rules: " + "[" * 70 + "]" * 70 + "\n", "acme.yaml:1: nested deeper than 64 levels",
                 id="too-deep"),
    pytest.param("a: &a [x, x, x, x, x, x, x, x, x, x]\n"
                 + "".join(f"{n}: &{n} [{', '.join([f'*{p}'] * 10)}]\n"
                           for p, n in zip("abcdef", "bcdefg", strict=True)),
                 "more than 500000 values (aliases expanded)", id="alias-bomb"),
])
def test_errors_name_the_file_line_and_field(text: str, expected: str) -> None:
    with pytest.raises(ConfigError) as caught:
        load_config(text, "acme.yaml")
    assert expected in str(caught.value)
    assert str(caught.value).startswith("acme.yaml:")


def test_a_document_over_the_size_limit_is_refused_before_parsing() -> None:
    with pytest.raises(ConfigError, match=r"^big\.yaml: larger than 1 MiB$"):
        load_config("#" * (MAX_BYTES + 1), "big.yaml")


def test_several_problems_are_one_error_a_line_each_in_file_order() -> None:
    text = "rules:\n  - name: a\n    kind: nope\n  - name: b\n    kind: event\n    min_severity: -1\n"
    with pytest.raises(ConfigError) as caught:
        load_config(text, "t.yaml")
    assert [p.split(":")[1] for p in caught.value.problems] == ["3", "6"]
    assert str(caught.value).count("\n") == 1


def test_an_error_never_shows_the_secret_it_refuses() -> None:
    with pytest.raises(ConfigError) as caught:
        load_config("receivers:\n  - name: ops\n    secret: whsec_topsecretvalue\nroute: {receiver: ops}\n")
    assert "topsecretvalue" not in str(caught.value)


# -- matchers ---------------------------------------------------------------------------------

@pytest.mark.parametrize(("matcher", "labels", "hit"), [
    ('rule="ports"', {"rule": "ports"}, True),
    ('rule="ports"', {"rule": "port"}, False),
    ('rule!="ports"', {"rule": "other"}, True),
    ('rule!="ports"', {}, True),
    ('rule=~"po.*"', {"rule": "ports"}, True),
    ('rule=~"po"', {"rule": "ports"}, False),  # anchored
    ('rule!~"po.*"', {"rule": "ports"}, False),
    ("rule=ports", {"rule": "ports"}, True),  # bare value
    ('team=""', {}, True),  # a missing label is the empty string
    (r'title="say \"hi\""', {"title": 'say "hi"'}, True),
    (r'path="a\\b"', {"path": "a\\b"}, True),
    ('country="PAK"', {"country": "CHN,PAK"}, True),  # any of a multi-valued label
    ('country!="PAK"', {"country": "CHN,PAK"}, False),  # none of them
    ('country!="PAK"', {"country": "CHN,LKA"}, True),
    ('country=~"P.*"', {"country": "CHN,PAK"}, True),
    ('country!~"P.*"', {"country": "CHN,LKA"}, True),
    ('title="CHN,PAK"', {"title": "CHN,PAK"}, True),  # single-valued: not split
])
def test_matchers(matcher: str, labels: dict[str, str], hit: bool) -> None:
    assert parse_matcher(matcher).matches(labels) is hit


@pytest.mark.parametrize("text", ['rule=~"("', 'rule="open', 'rule="a"b"', "9rule=x", "rule", 'r="a\\'])
def test_invalid_matchers_are_refused(text: str) -> None:
    with pytest.raises(InvalidMatcher):
        parse_matcher(text)


def test_matchers_print_back_to_what_parses_to_them() -> None:
    for text in ['title="say \\"hi\\""', 'rule!~"a|b"', 'x="a\\\\b"']:
        assert str(parse_matcher(str(parse_matcher(text)))) == str(parse_matcher(text))


def test_all_match_needs_every_matcher() -> None:
    matchers = [parse_matcher('rule="ports"'), parse_matcher('country="PAK"')]
    assert all_match(matchers, {"rule": "ports", "country": "PAK"})
    assert not all_match(matchers, {"rule": "ports", "country": "CHN"})
    assert all_match([], {})


# -- durations --------------------------------------------------------------------------------

@pytest.mark.parametrize(("text", "seconds"), [
    ("0", 0), ("0s", 0), ("30s", 30), ("5m", 300), ("4h", 14400), ("1d", 86400), ("1w", 604800),
    ("1h30m", 5400), ("250ms", 0.25), (" 2h ", 7200),
])
def test_durations(text: str, seconds: float) -> None:
    assert parse_duration(text) == timedelta(seconds=seconds)


@pytest.mark.parametrize("text", ["", "5", "5x", "1m1h", "1h1h", "h", "-5m", "1.5h"])
def test_invalid_durations_are_refused(text: str) -> None:
    with pytest.raises(ValueError, match="duration"):
        parse_duration(text)


def test_durations_print_in_their_shortest_form() -> None:
    assert [format_duration(timedelta(seconds=s)) for s in (0, 90, 5400, 90061)] == [
        "0s", "1m30s", "1h30m", "1d1h1m1s"]


# -- receiver targets -------------------------------------------------------------------------

def receiving(url: str) -> TenantConfig:
    return load_config(f"receivers:\n  - name: ops\n    url: '{url}'\nroute: {{receiver: ops}}\n")


@pytest.mark.parametrize(("url", "reason"), [
    ("http://127.0.0.1:8080/hook", "is a loopback address"),
    ("http://[::1]/hook", "is a loopback address"),
    ("http://[::ffff:127.0.0.1]/hook", "is a loopback address"),
    ("http://2130706433/hook", "is a loopback address"),  # decimal
    ("http://0x7f.1/hook", "is a loopback address"),  # hex, short form
    ("http://0177.0.0.1/hook", "is a loopback address"),  # octal
    ("http://127.1/hook", "is a loopback address"),
    ("http://localhost:9000/hook", "is a loopback name"),
    ("http://api.localhost./hook", "is a loopback name"),
    ("http://10.1.2.3/hook", "is a private address"),
    ("http://192.168.0.10/hook", "is a private address"),
    ("http://0xa9.0xfe.0xa9.0xfe/latest", "is the cloud metadata address"),
    ("http://169.254.169.254/latest/meta-data/", "is the cloud metadata address"),
    ("http://[fe80::1]/hook", "is a link-local address"),
    ("http://0.0.0.0/hook", "is the unspecified address"),
    ("http://100.64.0.1/hook", "is a shared (carrier-grade NAT) address"),
    ("http://224.0.0.1/hook", "is a multicast address"),
    ("http://999.1.1.1/hook", "neither a name nor an address"),
    ("ftp://203.0.113.5/hook", "has scheme 'ftp'; use http or https"),
    ("https://user:pass@hooks.example.com/hook", "contains credentials"),
    ("https:///nohost", "has no host"),
])
def test_receiver_targets_that_are_refused(url: str, reason: str) -> None:
    with pytest.raises(ConfigError) as caught:
        check_targets(receiving(url), allow_private=False)
    assert str(caught.value).startswith("receivers[0] (ops): url ")
    assert reason in str(caught.value)
    assert "\n" not in str(caught.value)
    assert "pass@" not in str(caught.value)


def test_the_refusal_says_how_to_allow_a_private_target() -> None:
    with pytest.raises(ConfigError) as caught:
        check_targets(receiving("http://127.0.0.1:8080/hook"), allow_private=False)
    assert str(caught.value) == (
        "receivers[0] (ops): url http://127.0.0.1:8080/hook is a loopback address; set "
        "BRISK_ALERTS_ALLOW_PRIVATE_TARGETS=true (or a list of networks such as 127.0.0.0/8) "
        "to allow it")


@pytest.mark.parametrize("url", ["https://hooks.example.com/brisk", "http://8.8.8.8/hook",
                                 "https://[2001:4860:4860::8888]/hook"])
def test_public_targets_and_names_pass(url: str) -> None:
    check_targets(receiving(url), allow_private=False)


def test_null_receivers_have_nothing_to_check() -> None:
    check_targets(load_config("receivers: [{name: audit}]\nroute: {receiver: audit}\n"), False)


def test_true_allows_every_private_target_but_not_metadata_or_a_bad_scheme() -> None:
    for url in ("http://127.0.0.1/h", "http://10.0.0.1/h", "http://[fd12::1]/h"):
        check_targets(receiving(url), allow_private=True)
    for url in ("ftp://127.0.0.1/h", "http://169.254.169.254/latest", "http://0.0.0.0/h"):
        with pytest.raises(ConfigError):
            check_targets(receiving(url), allow_private=True)


def test_a_network_list_allows_only_those_networks() -> None:
    allowed = parse_allow_private("127.0.0.0/8")
    for url in ("http://127.0.0.1:8080/h", "http://localhost/h", "http://[::ffff:127.0.0.2]/h",
                "http://2130706433/h"):
        check_targets(receiving(url), allowed)
    for url in ("http://10.0.0.1/h", "http://169.254.169.254/latest"):
        with pytest.raises(ConfigError):
            check_targets(receiving(url), allowed)


@pytest.mark.parametrize(("value", "parsed"), [
    ("true", True), ("TRUE", True), ("1", True), ("false", False), ("", False), ("no", False),
    ("127.0.0.0/8", [ipaddress.ip_network("127.0.0.0/8")]),
    ("10.0.0.0/8, fd00::/8", [ipaddress.ip_network("10.0.0.0/8"), ipaddress.ip_network("fd00::/8")]),
    ("192.168.1.7", [ipaddress.ip_network("192.168.1.7/32")]),
])
def test_parse_allow_private(value: str, parsed: object) -> None:
    assert parse_allow_private(value) == parsed


@pytest.mark.parametrize("value", ["maybe", "10.0.0.0/33", "127.0.0.0/8,", "localhost"])
def test_parse_allow_private_refuses_what_is_neither(value: str) -> None:
    with pytest.raises(ValueError, match="^BRISK_ALERTS_ALLOW_PRIVATE_TARGETS: .* expected true, "
                                         "false or a comma-separated list of networks"):
        parse_allow_private(value)


def test_the_readme_example_and_the_demo_tenant_are_valid_configurations() -> None:
    readme = (ROOT / "README.md").read_text()
    section = readme[readme.index("### The configuration: one YAML document per tenant"):]
    example = section.split("```yaml\n", 1)[1].split("```", 1)[0]
    config = load_config(example, "README.md")
    assert {r.kind for r in config.rules} == {"event", "country_index", "spike", "watchlist",
                                               "exposure"}
    demo = load_config((ROOT / "demo" / "tenant.yaml").read_text(), "demo/tenant.yaml")
    assert {r.kind for r in demo.rules} == {r.kind for r in config.rules}
