"""Schemathesis hooks for jml's API: sign generated HR events as an HR system would.

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


@schemathesis.hook
def before_call(context, case, kwargs):
    if case.operation.path != "/v1/hr/events":
        return
    headers = dict(case.headers or {})
    name = next((k for k in headers if k.lower() == "x-jml-signature"), None)
    if name is None:
        return
    body = serialized(case.body)
    kwargs["data"] = body
    t = str(int(time.time()))
    mac = hmac.new(SECRET, t.encode() + b"." + body, hashlib.sha256).hexdigest()
    headers[name] = f"t={t},v1={mac}"
    case.headers = headers
