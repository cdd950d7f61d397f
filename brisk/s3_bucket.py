"""The few S3 calls ``brisk prune`` needs, over plain HTTP to the embedded SeaweedFS.

The embedded object store has no identities configured and listens on loopback only, so
requests go unsigned. Listing is paginated (ListObjectsV2, 1,000 keys a page); the XML is parsed
with defusedxml.
"""

from __future__ import annotations

import urllib.parse
import urllib.request
from collections.abc import Iterator
from datetime import datetime

import defusedxml.ElementTree as SafeXml

from brisk.retention import StoredObject

NS = "{http://s3.amazonaws.com/doc/2006-03-01/}"


def list_objects(endpoint: str, bucket: str, prefix: str = "") -> Iterator[StoredObject]:
    token: str | None = None
    while True:
        query = {"list-type": "2", "prefix": prefix, "max-keys": "1000"}
        if token:
            query["continuation-token"] = token
        url = f"{endpoint}/{bucket}?{urllib.parse.urlencode(query)}"
        with urllib.request.urlopen(url, timeout=30) as response:  # noqa: S310 - loopback only
            root = SafeXml.fromstring(response.read())
        for item in root.iter(f"{NS}Contents"):
            yield StoredObject(
                key=item.findtext(f"{NS}Key") or "",
                size=int(item.findtext(f"{NS}Size") or 0),
                modified=datetime.fromisoformat(
                    (item.findtext(f"{NS}LastModified") or "").replace("Z", "+00:00")))
        if (root.findtext(f"{NS}IsTruncated") or "false").lower() != "true":
            return
        token = root.findtext(f"{NS}NextContinuationToken")
        if not token:
            return


def delete_object(endpoint: str, bucket: str, key: str) -> None:
    url = f"{endpoint}/{bucket}/{urllib.parse.quote(key)}"
    request = urllib.request.Request(url, method="DELETE")
    with urllib.request.urlopen(request, timeout=30):  # noqa: S310 - loopback only
        return
