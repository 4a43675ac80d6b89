"""Schemathesis hooks for `.ci/schemathesis.sh`.

The fuzzer draws `Idempotency-Key` values from a small space ("0", "00", ...), so unrelated
requests would share a key and be answered 422 ("key reused for a different request"), which
is the server keeping its promise, not a contract failure. Every well-formed key is made unique
per request, and per run (the runs share one database); malformed keys (the negative cases)
are sent as generated. The idempotency rules
themselves are tested in `crates/interviewd/tests/api/idempotency.rs`.
"""

import itertools
import os
import re

import schemathesis

WELL_FORMED = re.compile(r"^[\x21-\x7e]([\x20-\x7e]*[\x21-\x7e])?$")
COUNTER = itertools.count()


@schemathesis.hook
def before_call(context, case, kwargs):
    headers = case.headers or {}
    for name in list(headers):
        value = headers[name]
        if name.lower() != "idempotency-key" or not isinstance(value, str):
            continue
        # HTTP drops the spaces and tabs around a header value, so the server sees `stripped`.
        stripped = value.strip(" \t")
        if WELL_FORMED.match(stripped) and len(stripped) <= 255:
            # Unique across the runs too: they share one database.
            suffix = f"-{os.getpid()}-{next(COUNTER)}"
            headers[name] = stripped[: 255 - len(suffix)] + suffix
