// What each TypeScript client script checks, whatever its SDK: every page of tools/list (the
// whole catalogue, each tool once), then one read whose page is compared with the sandbox's
// tickets and request log. `connect` is the SDK-specific part: it returns a connected client
// with `listTools({ cursor })`, `callTool({ name, arguments })` and `close()`.
//
// Environment (set by `cargo xtask test`): BMS_MCP_URL, BMS_SANDBOX_URL, BMS_MCP_BIN.

import { execFileSync } from "node:child_process";

export const TICKETS = "list_all_kaseya_bms_servicedesk_tickets";

function check(condition, what) {
  if (!condition) throw new Error(what);
}

async function sandbox(method, path) {
  const response = await fetch(process.env.BMS_SANDBOX_URL + path, { method });
  check(response.ok, `sandbox ${method} ${path} answered ${response.status}`);
  const text = await response.text();
  return text ? JSON.parse(text) : null;
}

/**
 * Lists every page and calls the tickets list; prints one JSON line, exits 1 on a failure.
 * `options.aggregated`: the SDK's cursor-less listTools() walks the pages itself.
 * `options.version`: the protocol revision the connection must have negotiated.
 */
export async function listAndCall(connect, options = {}) {
  let client;
  try {
    client = await connect(process.env.BMS_MCP_URL);
    const version = client.getNegotiatedProtocolVersion?.() ?? client.transport?.protocolVersion;
    if (options.version) check(version === options.version, `negotiated ${version}, not ${options.version}`);
    const names = [];
    let cursor;
    let pages = 0;
    do {
      const page = await client.listTools(cursor ? { cursor } : undefined);
      names.push(...page.tools.map((t) => t.name));
      cursor = page.nextCursor;
      pages += 1;
    } while (cursor);
    const catalogue = JSON.parse(execFileSync(process.env.BMS_MCP_BIN, ["tools", "--json"])).map((t) => t.name);
    if (!options.aggregated) check(pages >= 2, `the catalogue came in ${pages} page(s), not several`);
    check(new Set(names).size === names.length, "a tool was listed twice");
    check(names.length === catalogue.length, `listed ${names.length} tools of ${catalogue.length}`);

    await sandbox("DELETE", "/_sandbox/requests");
    const result = await client.callTool({ name: TICKETS, arguments: { page_size: 3 } });
    check(!result.isError, `the call failed: ${JSON.stringify(result.content)}`);
    const page = result.structuredContent;
    const tickets = new Map((await sandbox("GET", "/_sandbox/state")).tickets.map((t) => [t.id, t]));
    check(page.items.length === 3, `${page.items.length} tickets, not 3`);
    check(page.total_records === tickets.size, `total ${page.total_records}, sandbox has ${tickets.size}`);
    for (const item of page.items) {
      check(tickets.get(item.id)?.title === item.title, `ticket ${item.id} is not the sandbox's`);
    }
    const sent = (await sandbox("GET", "/_sandbox/requests")).filter((r) => r.path === "/v2/servicedesk/tickets");
    check(sent.length === 1 && sent[0].method === "GET", `${sent.length} ticket list requests reached BMS`);
    console.log(JSON.stringify({ ok: true, tools: names.length, pages, version }));
  } catch (error) {
    console.log(JSON.stringify({ ok: false, error: String(error?.stack ?? error) }));
    process.exitCode = 1;
  } finally {
    await client?.close();
  }
}
