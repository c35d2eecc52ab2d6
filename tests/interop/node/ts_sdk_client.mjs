// The TypeScript SDK 1.x client (`@modelcontextprotocol/sdk`, pinned in ../package.json) over
// Streamable HTTP: every tools/list page and one call, checked by list_and_call.mjs. The SDK
// checks each result's structuredContent against the tool's outputSchema.

import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { StreamableHTTPClientTransport } from "@modelcontextprotocol/sdk/client/streamableHttp.js";
import { listAndCall } from "./list_and_call.mjs";

await listAndCall(async (url) => {
  const client = new Client({ name: "bms-mcp interop (sdk 1.x)", version: "1.0.0" });
  await client.connect(new StreamableHTTPClientTransport(new URL(url)));
  return client;
});
