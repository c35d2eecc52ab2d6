"""Shared fixtures for the Python SDK interop suite.

`cargo xtask test` starts `bms-mcp serve` on the built-in sandbox and passes its URLs:
BMS_MCP_URL (the MCP server), BMS_SANDBOX_URL (the sandbox, for checking what reached "BMS").
"""

import json
import os
import urllib.request

import pytest

MCP_URL = os.environ["BMS_MCP_URL"]
SANDBOX_URL = os.environ["BMS_SANDBOX_URL"]

DEFAULT_FAULTS = {
    "latency_ms": 0,
    "error_rate": 0.0,
    "drop_rate": 0.0,
    "malformed_rate": 0.0,
    "refuse_auth": False,
    "rate_limit": "1500/hour",
    "rate_limit_headers": "none",
}


class Sandbox:
    """The sandbox's test endpoints: state, request log, faults."""

    def __init__(self, base: str):
        self.base = base

    def _call(self, method: str, path: str, body=None):
        data = None if body is None else json.dumps(body).encode()
        request = urllib.request.Request(self.base + path, data=data, method=method)
        if data is not None:
            request.add_header("content-type", "application/json")
        with urllib.request.urlopen(request, timeout=10) as response:
            text = response.read()
            return json.loads(text) if text else None

    def reset(self):
        self._call("POST", "/_sandbox/reset")
        self._call("POST", "/_sandbox/faults", DEFAULT_FAULTS)

    def state(self):
        return self._call("GET", "/_sandbox/state")

    def requests(self):
        """Requests that reached the sandbox's /v2/ API, sign-in excluded."""
        return [r for r in self._call("GET", "/_sandbox/requests") if "/v2/security/" not in r["path"]]

    def clear_requests(self):
        self._call("DELETE", "/_sandbox/requests")

    def faults(self, **settings):
        return self._call("POST", "/_sandbox/faults", settings)


@pytest.fixture
def sandbox():
    box = Sandbox(SANDBOX_URL)
    box.reset()
    yield box
    box.reset()


@pytest.fixture
def mcp_url():
    return MCP_URL


def by_name(items, name):
    """The item whose name matches (lookups answer `name`, some DTOs `Name`)."""
    for item in items:
        if str(item.get("name", item.get("Name", ""))).lower() == name.lower():
            return item
    raise AssertionError(f"no item named {name!r} in {[i.get('name') for i in items]}")
