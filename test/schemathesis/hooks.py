"""Schemathesis hooks for jml's API: sign generated HR events and rosters as an HR system would.

The webhook's signature is over the exact bytes sent, so the body is serialized here, once, and
those bytes are both signed and sent. Only a request that carries the X-JML-Signature header (with
the placeholder value Schemathesis generates for it) is signed: a case that leaves the header out
on purpose (the missing-header and ignored-auth checks) goes out unsigned and must be refused.
"""

import hashlib
import hmac
import json
import os
import time

import schemathesis
from schemathesis.core import NOT_SET

SECRET = os.environ["JML_HR_SECRET"].encode()


def serialized(body):
    if body is NOT_SET:
        return b""
    if isinstance(body, bytes):
        return body
    if isinstance(body, str):
        return body.encode()
    return json.dumps(body).encode()


def without_repeats(body):
    """A roster may name an employee id or userName once, a rule JSON Schema cannot state: keep the
    first row of each, so that a roster the document calls valid is one jml takes."""
    if not isinstance(body, dict) or not isinstance(body.get("employees"), list):
        return body
    seen = set()
    kept = []
    for row in body["employees"]:
        keys = [(k, row.get(k)) for k in ("id", "userName")] if isinstance(row, dict) else []
        if any(key in seen for key in keys if isinstance(key[1], str)):
            continue
        seen.update(key for key in keys if isinstance(key[1], str))
        kept.append(row)
    return {**body, "employees": kept}


@schemathesis.hook
def before_call(context, case, kwargs):
    if case.operation.path not in ("/v1/hr/events", "/v1/hr/roster"):
        return
    headers = dict(case.headers or {})
    name = next((k for k in headers if k.lower() == "x-jml-signature"), None)
    if name is None:
        return
    if case.operation.path == "/v1/hr/roster":
        case.body = without_repeats(case.body)
    body = serialized(case.body)
    kwargs["data"] = body
    t = str(int(time.time()))
    mac = hmac.new(SECRET, t.encode() + b"." + body, hashlib.sha256).hexdigest()
    headers[name] = f"t={t},v1={mac}"
    case.headers = headers
