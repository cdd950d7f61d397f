"""A tenant's alerting configuration: one YAML document, in the spirit of ``alertmanager.yml``.

receivers (webhook endpoints) · route (the routing tree, with grouping timers) · rules (five
kinds) · inhibit_rules · assets (what the tenant has at stake, for ``exposure`` rules) ·
watchlist (entities for ``watchlist`` rules). ``config_yaml.load_config`` reads the YAML and
reports errors by line and field; this module is the contract, validated as a whole.
Environment-dependent checks (is a receiver's address allowed?) are in ``targets.py``.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Annotated, Any, Literal

from pydantic import (
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    PlainSerializer,
    SecretStr,
    field_validator,
    model_validator,
)

from shared.alerting.durations import Duration
from shared.alerting.matchers import LABEL_NAME, Matcher, parse_matcher
from shared.alerting.webhook_secret import decode_secret
from shared.schemas.scored_event import Iso3, RiskCategory

RuleKind = Literal["event", "country_index", "spike", "watchlist", "exposure"]
RULE_KINDS: tuple[RuleKind, ...] = ("event", "country_index", "spike", "watchlist", "exposure")
ReceiverFormat = Literal["brisk", "alertmanager", "slack"]
IndexCategory = Literal["regulatory", "political", "supply_chain", "overall"]
AssetKind = Literal["port", "project", "corridor", "site", "supplier"]
WatchKind = Literal["company", "project", "vessel", "person", "organisation"]

Name = Annotated[str, Field(min_length=1, max_length=100, pattern=r"^[A-Za-z0-9][A-Za-z0-9_.:-]*$")]
LabelName = Annotated[str, Field(pattern=LABEL_NAME.pattern, max_length=100)]


def _to_matcher(value: object) -> object:
    return parse_matcher(value) if isinstance(value, str) else value


MatcherField = Annotated[Matcher, BeforeValidator(_to_matcher), PlainSerializer(str, return_type=str)]

# Labels brisk sets on every alert; a rule's own ``labels`` cannot override them.
RESERVED_LABELS = frozenset({"tenant", "rule", "kind", "entity", "asset"})

DEFAULT_GROUP_WAIT = timedelta(seconds=30)
DEFAULT_GROUP_INTERVAL = timedelta(minutes=5)
DEFAULT_REPEAT_INTERVAL = timedelta(hours=4)


class _Config(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid", arbitrary_types_allowed=True,
                              populate_by_name=True)


class ReceiverConfig(_Config):
    """A webhook endpoint. No ``url``: a null receiver (notifications are recorded, not sent).
    No ``secret``: ``config apply`` generates one and prints it once."""

    name: Name
    url: str | None = Field(default=None, max_length=2048)
    format: ReceiverFormat = "brisk"
    secret: SecretStr | None = None
    send_resolved: bool = True
    max_alerts: int = Field(default=0, ge=0, le=10_000, description="0: no limit; else truncate")
    retry_schedule: list[Duration] | None = Field(
        default=None, min_length=1, max_length=20,
        description="The wait before each attempt (the first is normally 0s); none: the service's "
                    "schedule, Svix's by default (0s, 5s, 5m, 30m, 2h, 5h, 10h, 10h)")

    @field_validator("retry_schedule")
    @classmethod
    def _schedule_steps(cls, value: list[timedelta] | None) -> list[timedelta] | None:
        if value is not None and any(not timedelta(0) <= step <= timedelta(days=1) for step in value):
            raise ValueError("every wait must be between 0s and 1d")
        return value

    @field_validator("secret")
    @classmethod
    def _secret_form(cls, value: SecretStr | None) -> SecretStr | None:
        if value is not None:
            decode_secret(value.get_secret_value())
        return value


class RouteConfig(_Config):
    """A node of the routing tree. Children inherit what they leave unset; the first matching
    child takes an alert unless it says ``continue: true``; no matching child: this node does."""

    receiver: Name | None = None
    matchers: list[MatcherField] = Field(default_factory=list, max_length=50)
    group_by: list[LabelName | Literal["..."]] | None = Field(
        default=None, description="['...'] groups by every label (one group per alert)")
    group_wait: Duration | None = None
    group_interval: Duration | None = None
    repeat_interval: Duration | None = None
    continue_: bool = Field(default=False, alias="continue")
    routes: list[RouteConfig] = Field(default_factory=list, max_length=100)

    @field_validator("group_interval", "repeat_interval")
    @classmethod
    def _positive(cls, value: timedelta | None) -> timedelta | None:
        if value is not None and value <= timedelta(0):
            raise ValueError("must be longer than 0s")
        return value

    def receivers(self) -> set[str]:
        names = {self.receiver} if self.receiver else set()
        for child in self.routes:
            names |= child.receivers()
        return names


class RuleConfig(_Config):
    """One rule. ``matchers`` are over the alert's labels (tenant, rule, kind, category, country,
    severity_level, source, entity, asset, and the rule's own ``labels``)."""

    name: Name
    kind: RuleKind
    matchers: list[MatcherField] = Field(default_factory=list, max_length=50)
    labels: dict[LabelName, Annotated[str, Field(max_length=200)]] = Field(default_factory=dict)
    min_severity: float = Field(default=0, ge=0, le=100)
    categories: list[RiskCategory] = Field(default_factory=list)
    resolve_after: Duration = Field(default=timedelta(hours=1),
                                    description="Quiet time after which an event alert resolves")
    # country_index
    category: IndexCategory = "overall"
    above: float | None = Field(default=None, ge=0, le=100)
    rise: float | None = Field(default=None, gt=0, le=100)
    within: Duration | None = None
    # watchlist: these entities, else the tenant's whole watchlist
    entities: list[Annotated[str, Field(min_length=2, max_length=200)]] = Field(default_factory=list)
    # exposure: these assets (by name), else all of the tenant's assets
    assets: list[str] = Field(default_factory=list)

    @model_validator(mode="after")
    def _fields_of_kind(self) -> RuleConfig:
        index_only = {"above": self.above, "rise": self.rise, "within": self.within}
        if self.kind == "country_index":
            if self.above is None and self.rise is None:
                raise ValueError("a country_index rule needs above (a level) or rise with within")
            if (self.rise is None) != (self.within is None):
                raise ValueError("rise and within go together (e.g. rise: 10, within: 1h)")
        else:
            for key, value in index_only.items():
                if value is not None:
                    raise ValueError(f"{key} applies to country_index rules only")
        if self.entities and self.kind != "watchlist":
            raise ValueError("entities applies to watchlist rules only")
        if self.assets and self.kind != "exposure":
            raise ValueError("assets applies to exposure rules only")
        reserved = sorted(set(self.labels) & RESERVED_LABELS)
        if reserved:
            raise ValueError(f"labels: {reserved[0]!r} is set by brisk and cannot be a rule label")
        if self.resolve_after <= timedelta(0):
            raise ValueError("resolve_after must be longer than 0s")
        return self


class InhibitRuleConfig(_Config):
    """While an alert matching ``source_matchers`` fires, alerts matching ``target_matchers``
    with the same values of the ``equal`` labels are muted (Alertmanager's inhibit_rules)."""

    source_matchers: list[MatcherField] = Field(min_length=1, max_length=50)
    target_matchers: list[MatcherField] = Field(min_length=1, max_length=50)
    equal: list[LabelName] = Field(default_factory=list)


class AssetConfig(_Config):
    """Something the tenant has at stake. An event is exposed when it lies within ``radius_km``
    of (lat, lon), or names the asset (its name, an alias or its ``ref``, e.g. a UN/LOCODE), or
    — for countrywide kinds — names one of its ``countries``."""

    name: Annotated[str, Field(min_length=2, max_length=200)]
    kind: AssetKind
    countries: list[Iso3] = Field(default_factory=list)
    lat: float | None = Field(default=None, ge=-90, le=90)
    lon: float | None = Field(default=None, ge=-180, le=180)
    radius_km: float = Field(default=50, gt=0, le=2000)
    aliases: list[Annotated[str, Field(min_length=2, max_length=200)]] = Field(default_factory=list)
    ref: str | None = Field(default=None, max_length=64)

    @model_validator(mode="after")
    def _located(self) -> AssetConfig:
        if (self.lat is None) != (self.lon is None):
            raise ValueError("lat and lon go together")
        if self.lat is None and not self.countries and not self.aliases and not self.ref:
            raise ValueError("an asset needs lat/lon, countries, aliases or ref to be matched")
        return self


class WatchEntry(_Config):
    name: Annotated[str, Field(min_length=2, max_length=200)]
    kind: WatchKind = "company"
    aliases: list[Annotated[str, Field(min_length=2, max_length=200)]] = Field(default_factory=list)


def _watch_entry(value: object) -> object:
    return {"name": value} if isinstance(value, str) else value


class TenantConfig(_Config):
    receivers: list[ReceiverConfig] = Field(default_factory=list, max_length=100)
    route: RouteConfig | None = None
    rules: list[RuleConfig] = Field(default_factory=list, max_length=500)
    inhibit_rules: list[InhibitRuleConfig] = Field(default_factory=list, max_length=100)
    assets: list[AssetConfig] = Field(default_factory=list, max_length=5000)
    watchlist: list[Annotated[WatchEntry, BeforeValidator(_watch_entry)]] = Field(
        default_factory=list, max_length=5000)

    @model_validator(mode="after")
    def _references(self) -> TenantConfig:
        _unique("receivers", [r.name for r in self.receivers])
        _unique("rules", [r.name for r in self.rules])
        _unique("assets", [a.name for a in self.assets])
        _unique("watchlist", [w.name for w in self.watchlist])
        known = {r.name for r in self.receivers}
        if self.route is not None:
            if not self.route.receiver:
                raise ValueError("route: the top-level route needs a receiver")
            if self.route.matchers:
                raise ValueError("route: the top-level route matches every alert; put matchers "
                                 "on its child routes")
            unknown = sorted(self.route.receivers() - known)
            if unknown:
                raise ValueError(f"route: receiver {unknown[0]!r} is not defined in receivers")
        elif self.receivers:
            raise ValueError("route: receivers are defined but no route sends anything to them")
        assets = {a.name for a in self.assets}
        for rule in self.rules:
            missing = sorted(set(rule.assets) - assets)
            if missing:
                raise ValueError(f"rules: {rule.name}: asset {missing[0]!r} is not defined in assets")
            if rule.kind == "exposure" and not self.assets:
                raise ValueError(f"rules: {rule.name}: an exposure rule needs assets")
            if rule.kind == "watchlist" and not (rule.entities or self.watchlist):
                raise ValueError(f"rules: {rule.name}: a watchlist rule needs a watchlist")
        return self

    def receiver(self, name: str) -> ReceiverConfig | None:
        return next((r for r in self.receivers if r.name == name), None)

    def public(self) -> dict[str, Any]:
        """The configuration as JSON, secrets masked (``config show``, the API)."""
        from shared.alerting.webhook_secret import mask_secret

        data = self.model_dump(mode="json", by_alias=True, exclude_none=True)
        for receiver, model in zip(data.get("receivers", []), self.receivers, strict=True):
            if model.secret is not None:
                receiver["secret"] = mask_secret(model.secret.get_secret_value())
        return data


def _unique(section: str, names: list[str]) -> None:
    seen: set[str] = set()
    for name in names:
        if name in seen:
            raise ValueError(f"{section}: the name {name!r} is used twice")
        seen.add(name)
