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


def admin(method, path, body=None):
    """One admin API call on the served gateway (the first run's admin token)."""
    base = MCP_URL.split("/mcp/")[0]
    data = None if body is None else json.dumps(body).encode()
    request = urllib.request.Request(base + path, data=data, method=method)
    request.add_header("authorization", "Bearer " + os.environ["BMS_ADMIN_TOKEN"])
    if data is not None:
        request.add_header("content-type", "application/json")
    with urllib.request.urlopen(request, timeout=10) as response:
        text = response.read()
        return json.loads(text) if text else None


def mcp_server(name, config):
    """Context for an extra MCP server of the sandbox account with `config`: yields its URL
    and removes it afterwards."""
    import contextlib

    @contextlib.contextmanager
    def made():
        account = admin("GET", "/integrated-account")["result"][0]["id"]
        server = admin("POST", f"/integrated-account/{account}/mcp", {"name": name, "config": config})
        try:
            yield server["url"]
        finally:
            admin("DELETE", f"/integrated-account/{account}/mcp/{server['id']}")

    return made()


TICKETS = "list_all_kaseya_bms_servicedesk_tickets"


def catalogue_names():
    """Every tool's name, as `bms-mcp tools --json` prints the catalogue."""
    import subprocess

    out = subprocess.run([os.environ["BMS_MCP_BIN"], "tools", "--json"], check=True, capture_output=True, text=True)
    return {tool["name"] for tool in json.loads(out.stdout)}


def check_ticket_page(page, sandbox, size):
    """A page of `list_all_kaseya_bms_servicedesk_tickets` against the sandbox's tickets: as
    many as asked, each one the sandbox has, the total the sandbox's, and one GET sent."""
    tickets = {t["id"]: t for t in sandbox.state()["tickets"]}
    assert len(page["items"]) == size, page
    assert page["total_records"] == len(tickets), page["total_records"]
    for item in page["items"]:
        assert item["id"] in tickets, item
        assert item["title"] == tickets[item["id"]]["title"], item
    sent = [r for r in sandbox.requests() if r["path"] == "/v2/servicedesk/tickets"]
    assert len(sent) == 1 and sent[0]["method"] == "GET", sent


def by_name(items, name):
    """The item whose name matches (lookups answer `name`, some DTOs `Name`)."""
    for item in items:
        if str(item.get("name", item.get("Name", ""))).lower() == name.lower():
            return item
    raise AssertionError(f"no item named {name!r} in {[i.get('name') for i in items]}")
