"""FastMCP.from_openapi over the vendored BMS spec, pointed at the bench's sandbox.

Started by `cargo xtask bench` with the pinned fastmcp from .tools/bench-venv. Serves
Streamable HTTP statelessly (no session handshake) with JSON answers, like bms-mcp's stateless
mode, so the same load-generator script drives both.

Environment: BENCH_SPEC (path of the OpenAPI document), BENCH_SANDBOX_URL (base URL of the
sandbox), BENCH_BMS_TOKEN (a bearer token from /v2/security/authenticate), BENCH_PORT.
"""

import json
import logging
import os
import sys
import time

START = time.perf_counter()

import httpx2  # noqa: E402  (imports are part of the cold start being measured)
from fastmcp import FastMCP  # noqa: E402

# The three workloads under the names bms-mcp gives them, so one request body fits both.
NAMES = {
    "GetTickets": "list_all_kaseya_bms_servicedesk_tickets",
    "GetTicket": "get_single_kaseya_bms_servicedesk_ticket_by_id",
    "PostTicketNote": "create_a_kaseya_bms_servicedesk_ticket_note",
}


def main() -> None:
    with open(os.environ["BENCH_SPEC"], encoding="utf-8") as f:
        spec = json.load(f)
    client = httpx2.AsyncClient(
        base_url=os.environ["BENCH_SANDBOX_URL"],
        headers={"Authorization": "Bearer " + os.environ["BENCH_BMS_TOKEN"]},
        timeout=30.0,
    )
    mcp = FastMCP.from_openapi(
        spec,
        client=client,
        name="fastmcp-bms",
        mcp_names=NAMES,
        # The spec declares PascalCase output properties; BMS (and the sandbox) answer in
        # camelCase, which the default output validation rejects.
        validate_output=os.environ.get("BENCH_VALIDATE_OUTPUT", "0") == "1",
    )
    print(f"built in {time.perf_counter() - START:.3f} s", file=sys.stderr, flush=True)
    mcp.run(
        transport="http",
        host="127.0.0.1",
        port=int(os.environ["BENCH_PORT"]),
        stateless_http=True,
        json_response=True,
        log_level="warning",
        show_banner=False,
    )


if __name__ == "__main__":
    logging.disable(logging.WARNING)
    main()
