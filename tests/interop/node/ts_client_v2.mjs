// The TypeScript SDK v2 client (`@modelcontextprotocol/client`, pinned in ../package.json),
// in the 2026-07-28 revision (its `auto` negotiation probes with server/discover; its default
// is the 2025 handshake) over Streamable HTTP: the whole tool list (the SDK walks the pages
// itself) and one call, checked by list_and_call.mjs.

import { Client, StreamableHTTPClientTransport } from "@modelcontextprotocol/client";
import { listAndCall } from "./list_and_call.mjs";

await listAndCall(async (url) => {
  const client = new Client(
    { name: "bms-mcp interop (client v2)", version: "1.0.0" },
    { versionNegotiation: { mode: "auto" } },
  );
  await client.connect(new StreamableHTTPClientTransport(new URL(url)));
  return client;
}, { aggregated: true, version: "2026-07-28" });
