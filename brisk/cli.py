"""``brisk``: the command line in front of the services."""

from __future__ import annotations

import os
import re
import signal
import sys
import time
from pathlib import Path
from types import FrameType
from typing import TYPE_CHECKING, Annotated

import typer

from brisk.service_spec import ServiceSpec
from brisk.stack import STATE_FILE, Ports, plan_stack, read_state, write_state

if TYPE_CHECKING:
    from services.scorer.lexicon import Lexicon

app = typer.Typer(help="brisk: real-time risk early warning for Belt and Road operations.",
                  no_args_is_help=True, add_completion=False)


class StopRequested(BaseException):
    """Raised from the signal handler so a blocking start-up wait ends at once."""


def _request_stop(signum: int, _: FrameType | None) -> None:
    raise StopRequested(signal.Signals(signum).name)


@app.callback()
def main() -> None:
    """brisk command line."""


@app.command()
def up(
    demo: Annotated[bool, typer.Option(help="Replay the bundled real news feeds")] = False,
    api_port: Annotated[int, typer.Option(envvar="BRISK_API_PORT")] = 8000,
    ingest_port: Annotated[int, typer.Option(envvar="BRISK_INGEST_PORT")] = 9101,
    scorer_port: Annotated[int, typer.Option(envvar="BRISK_SCORER_PORT")] = 9102,
    alerts_port: Annotated[int, typer.Option(envvar="BRISK_ALERTS_PORT")] = 9103,
    state_dir: Annotated[Path, typer.Option(help="Logs, broker, PostgreSQL and Valkey data")] = Path(
        ".brisk"),
    startup_timeout: Annotated[float, typer.Option(help="Seconds each part may take")] = 60,
) -> None:
    """Run the whole stack on 127.0.0.1 until Ctrl-C or SIGTERM.

    Checks every BRISK_* setting first. Starts an embedded Kafka-compatible broker (Tansu,
    keeping its data in an embedded SeaweedFS unless BRISK_BROKER_STORAGE=memory), an embedded
    PostgreSQL (migrated to the newest schema) and Valkey, unless BRISK_KAFKA_BOOTSTRAP /
    BRISK_POSTGRES_URL / BRISK_REDIS_URL point at external servers, then the scorer, api, alerts
    and ingest services. With --demo, a `demo` tenant is configured from demo/tenant.yaml. A
    part that dies is restarted alone; five exits of one part within two minutes stop the stack.
    """
    from datetime import timedelta

    from brisk.preflight import SettingRefused, check_settings
    from brisk.prune_command import HourlyPrune, retention_hours
    from brisk.stack import InvalidSetting
    from brisk.supervisor import CrashLoop, StartupFailed, Supervisor

    env = dict(os.environ)
    state = state_dir.resolve()
    try:
        check_settings()
        plan = plan_stack(env, state, Ports(api=api_port, ingest=ingest_port,
                                            scorer=scorer_port, alerts=alerts_port), demo)
        retention = timedelta(hours=retention_hours(env))
    except (SettingRefused, InvalidSetting, ValueError) as exc:
        typer.echo(str(exc), err=True)
        raise typer.Exit(2) from None
    store = next((s.url for s in plan.services if s.name == "objectstore" and s.url), None)
    pruning = HourlyPrune(store, retention, typer.echo) if store else None
    state.mkdir(parents=True, exist_ok=True)
    supervisor = Supervisor(env, state / "logs", say=typer.echo,
                            on_change=lambda: write_state(state, plan, supervisor.pids()))
    signal.signal(signal.SIGINT, _request_stop)
    signal.signal(signal.SIGTERM, _request_stop)
    code = 0
    try:
        for spec in plan.services:
            typer.echo(f"starting {spec.name} …")
            child = supervisor.start(spec, startup_timeout)
            typer.echo(f"  {spec.name} ready (pid {child.pid})")
        write_state(state, plan, supervisor.pids())
        _print_summary(plan.services, state_dir, demo, plan.broker_storage)
        while True:
            time.sleep(0.5)
            supervisor.tick()
            if pruning is not None:
                pruning.tick()
    except StartupFailed as exc:
        typer.echo(f"start-up failed: {exc}", err=True)
        code = 1
    except CrashLoop as exc:
        typer.echo(f"\n*** crash loop, stopping the stack: {exc}", err=True)
        code = 1
    except StopRequested as exc:
        typer.echo(f"\n{exc} received, stopping …")
    finally:
        signal.signal(signal.SIGINT, signal.SIG_IGN)
        signal.signal(signal.SIGTERM, signal.SIG_IGN)
        supervisor.stop_all()
        (state / STATE_FILE).unlink(missing_ok=True)
    raise typer.Exit(code)


SERVICES = ("ingest", "scorer", "alerts", "api")


LexiconOption = Annotated[Path | None, typer.Option(
    "--lexicon", help="A lexicon JSON file instead of the shipped one (the scorer service "
                      "takes it as BRISK_SCORER_LEXICON_PATH)")]


def _lexicon(path: Path | None) -> Lexicon | None:
    """The lexicon to score with (None: the shipped one), loaded once; a missing or malformed
    one stops the command with one line."""
    from services.scorer.lexicon import load_lexicon

    if path is None:
        return None
    try:
        return load_lexicon(path)
    except (OSError, ValueError, KeyError, TypeError) as exc:
        reason = (f"missing key {exc}" if isinstance(exc, KeyError)
                  else exc.strerror if isinstance(exc, OSError) else str(exc))
        typer.echo(f"--lexicon {path}: {reason}", err=True)
        raise typer.Exit(2) from None


@app.command()
def score(
    input_: Annotated[str, typer.Option("--input", help="A file, or - for standard input")] = "-",
    fmt: Annotated[str, typer.Option("--format", help="jsonl, rss, atom or gdelt")] = "jsonl",
    lexicon: LexiconOption = None,
) -> None:
    """Score items offline: one JSON line per input item, in input order, on stdout."""
    from brisk.score_command import run_score

    if fmt not in ("jsonl", "rss", "atom", "gdelt"):
        typer.echo(f"--format must be jsonl, rss, atom or gdelt, not {fmt!r}", err=True)
        raise typer.Exit(2)
    if input_ != "-" and not Path(input_).is_file():
        typer.echo(f"--input {input_}: no such file", err=True)
        raise typer.Exit(2)
    raise typer.Exit(run_score(input_, fmt, sys.stdout, _lexicon(lexicon)))


@app.command(name="eval")
def evaluate(
    file: Annotated[Path, typer.Argument(exists=True, dir_okay=False, readable=True,
                                         help="Labelled JSON Lines (the eval format)")],
    lexicon: LexiconOption = None,
    misses: Annotated[bool, typer.Option(
        "--misses", help="Also list every item whose category or severity level is wrong, "
                         "with the scorer's reasons")] = False,
) -> None:
    """Macro-F1 of category, per-category precision/recall, country F1, severity error."""
    from brisk.score_command import run_eval

    typer.echo(run_eval(file, _lexicon(lexicon), misses))


token_app = typer.Typer(help="Push tokens for partners (POST /v1/ingest).", no_args_is_help=True)
app.add_typer(token_app, name="token")


@token_app.command("new")
def token_new(
    partner: Annotated[str, typer.Argument(help="Partner name; events get source push-NAME")],
) -> None:
    """Make a push token. Give the token to the partner; configure only its hash."""
    from shared.tokens import hash_token, new_token

    if not re.fullmatch(r"[A-Za-z0-9._-]{1,60}", partner):
        typer.echo("partner name: letters, digits, '.', '_' or '-', at most 60", err=True)
        raise typer.Exit(2)
    token = new_token()
    typer.echo(f"token (give to {partner}, shown once): {token}")
    typer.echo("add to the ingest service's environment (merge with existing partners):")
    typer.echo(f"BRISK_INGEST_PUSH_TOKEN_HASHES='{{\"{partner}\": \"{hash_token(token)}\"}}'")


@app.command()
def replay(
    file: Annotated[Path, typer.Argument(exists=True, dir_okay=False, readable=True)],
    fmt: Annotated[str, typer.Option("--format", help="rss, atom, gdelt, gdelt-gkg, sdn, "
                                     "ofac-cons, un, ftm, ftm-delta, federal-register, "
                                     "regulations-gov, nmea or jsonl")],
    speed: Annotated[float, typer.Option(help="Pace by original time gaps, N× faster; "
                                         "0 = as fast as possible")] = 0,
    source: Annotated[str | None, typer.Option(help="Source name (default replay-<file>); "
                                               "event ids derive from it")] = None,
    announce_initial: Annotated[bool, typer.Option(
        help="Sanctions lists: announce every entry of a first snapshot")] = False,
    state_dir: Annotated[Path, typer.Option(help="Where brisk up keeps its state")] = Path(".brisk"),
) -> None:
    """Replay FILE into the running stack, keeping its original timestamps.

    Uses BRISK_KAFKA_BOOTSTRAP / BRISK_REDIS_URL, or else the stack `brisk up` is running.
    Replaying the same file again publishes nothing new.
    """
    from brisk.replay_command import run_replay

    state = read_state(state_dir)
    if state and state["seen_scope"]:
        # The running stack's broker keeps nothing on disk: so does its seen-set.
        os.environ.setdefault("BRISK_INGEST_SEEN_SCOPE", state["seen_scope"])
    bootstrap = os.environ.get("BRISK_KAFKA_BOOTSTRAP") or (state or {}).get("kafka_bootstrap")
    redis_url = os.environ.get("BRISK_REDIS_URL") or (state or {}).get("redis_url")
    if not bootstrap or not redis_url:
        typer.echo("no running stack: start `brisk up` or set BRISK_KAFKA_BOOTSTRAP and "
                   "BRISK_REDIS_URL", err=True)
        raise typer.Exit(2)
    raise typer.Exit(run_replay(file, fmt, speed, source or f"replay-{file.stem}",
                                announce_initial, bootstrap, redis_url))


@app.command()
def prune(
    older_than_hours: Annotated[float, typer.Option(
        envvar="BRISK_BROKER_RETENTION_HOURS", min=1,
        help="Delete record batches older than this")] = 168.0,
    dry_run: Annotated[bool, typer.Option(help="Only say what would go")] = False,
    state_dir: Annotated[Path, typer.Option(help="Where brisk up keeps its state")] = Path(".brisk"),
) -> None:
    """Delete the durable broker's record batches older than the retention (``brisk up`` also
    does this every hour). Changelogs and each partition's newest batch are kept."""
    from datetime import UTC, datetime, timedelta

    from brisk.prune_command import prune as run_prune
    from brisk.stack import read_object_store

    endpoint = read_object_store(state_dir)
    if endpoint is None:
        typer.echo("no running stack with durable broker storage under "
                   f"{state_dir} (start `brisk up`)", err=True)
        raise typer.Exit(2)
    report = run_prune(endpoint, datetime.now(UTC), timedelta(hours=older_than_hours), dry_run)
    verb = "would delete" if dry_run else "deleted"
    typer.echo(f"{verb} {report.batches} record batches ({report.bytes} bytes) older than "
               f"{older_than_hours:g} h; {report.kept_objects} objects kept")


from brisk import (  # noqa: E402
    ack_commands,
    alert_commands,
    config_commands,
    delivery_commands,
    receiver_commands,
    silence_commands,
    tenant_commands,
)

app.add_typer(tenant_commands.app, name="tenant", help="Create and list tenants")
app.add_typer(config_commands.app, name="config", help="Apply and show a tenant's configuration")
app.add_typer(silence_commands.app, name="silence", help="Mute alerts by matchers for a while")
app.add_typer(alert_commands.app, name="alerts", help="List alerts and their history")
app.add_typer(delivery_commands.app, name="deliveries", help="The delivery log; replay dead notifications")
app.add_typer(receiver_commands.app, name="receiver", help="Receivers' health, secrets, enable/disable")
app.command(name="ack")(ack_commands.ack)
app.command(name="unack")(ack_commands.unack)


@app.command()
def service(name: Annotated[str, typer.Argument(help="ingest, scorer, alerts or api")]) -> None:
    """Run one service in the foreground (what a container or systemd unit runs)."""
    if name not in SERVICES:
        typer.echo(f"unknown service {name!r}; choose one of: {', '.join(SERVICES)}", err=True)
        raise typer.Exit(2)
    os.execv(sys.executable, [sys.executable, "-m", f"services.{name}"])


def _print_summary(services: list[ServiceSpec], state_dir: Path, demo: bool,
                   storage: str | None) -> None:
    typer.echo("\nbrisk is up:")
    for spec in services:
        typer.echo(f"  {spec.name:<11} {spec.url}")
    if storage == "s3":
        typer.echo(f"\n  broker data  {state_dir}/seaweedfs/ (kept across restarts)")
    elif storage == "memory":
        typer.echo("\n  broker data  in memory only (BRISK_BROKER_STORAGE=memory): a broker "
                   "restart empties every topic")
    api = next(s for s in services if s.name == "api")
    typer.echo(f"\n  events   {api.url}/v1/events?limit=20")
    typer.echo(f"  health   {api.url}/ready     metrics: <service url>/metrics")
    typer.echo(f"  logs     {state_dir}/logs/")
    if demo:
        typer.echo("  demo     replaying demo/feeds.yaml: news, GDELT, sanctions, Federal Register, "
                   "corridor status")
    typer.echo("\nPress Ctrl-C to stop.")
    sys.stdout.flush()


db_app = typer.Typer(help="brisk's PostgreSQL schema.", no_args_is_help=True)
app.add_typer(db_app, name="db")


@db_app.command("upgrade")
def db_upgrade(
    state_dir: Annotated[Path, typer.Option(help="Where brisk up keeps its state")] = Path(".brisk"),
) -> None:
    """Apply pending migrations to BRISK_POSTGRES_URL, or else the running stack's database."""
    from brisk.db_command import run_upgrade

    raise typer.Exit(run_upgrade(state_dir, typer.echo, lambda line: typer.echo(line, err=True)))


if __name__ == "__main__":
    app()
