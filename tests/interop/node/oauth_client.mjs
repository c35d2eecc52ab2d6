// The official TypeScript SDK's OAuth client against an OAuth-protected bms-mcp server,
// headless: the SDK discovers the authorization server from the 401, registers (RFC 7591),
// sends PKCE S256 and the resource; `redirectToAuthorization` plays the browser and the
// person (opens the sign-in page, posts the user name and password, posts "Allow", catches
// the redirect); then the client lists tools and calls one on the sandbox. Prints one JSON
// line and exits 0 only when every step held.
//
// Environment (set by `cargo xtask test`): BMS_MCP_URL (any MCP URL of the server, for its
// origin), BMS_MCP_ADMIN_TOKEN, BMS_MCP_DATA_DIR, BMS_MCP_BIN.

import { execFileSync } from "node:child_process";
import { randomBytes } from "node:crypto";
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { StreamableHTTPClientTransport } from "@modelcontextprotocol/sdk/client/streamableHttp.js";
import { UnauthorizedError } from "@modelcontextprotocol/sdk/client/auth.js";

const origin = new URL(process.env.BMS_MCP_URL).origin;
const redirectUrl = "http://127.0.0.1:9/callback";
const password = "typescript sdk signs in";

function check(condition, what) {
  if (!condition) throw new Error(what);
}

async function admin(method, path, body) {
  const response = await fetch(origin + path, {
    method,
    headers: { authorization: `Bearer ${process.env.BMS_MCP_ADMIN_TOKEN}`, "content-type": "application/json" },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  check(response.ok, `${method} ${path} answered ${response.status}`);
  return response.json();
}

function field(html, name) {
  const marker = `name="${name}" value="`;
  const start = html.indexOf(marker);
  check(start >= 0, `no ${name} field on the page`);
  return html.slice(start + marker.length, html.indexOf('"', start + marker.length));
}

/** The browser and the person: sign in, allow, and hand back the code. */
async function signInAndAllow(authorizationUrl, username) {
  const page = await fetch(authorizationUrl, { redirect: "manual" });
  check(page.status === 200, `the sign-in page answered ${page.status}`);
  const cookie = page.headers.get("set-cookie").split(";")[0];
  const post = (fields) =>
    fetch(origin + "/oauth/authorize", {
      method: "POST",
      redirect: "manual",
      headers: { cookie, "content-type": "application/x-www-form-urlencoded" },
      body: new URLSearchParams(fields).toString(),
    });
  const consent = await post({ pending: field(await page.text(), "pending"), action: "sign_in", username, password });
  check(consent.status === 200, `signing in answered ${consent.status}`);
  const consentPage = await consent.text();
  const allowed = await post({ pending: field(consentPage, "pending"), action: "allow" });
  check(allowed.status === 303, `allowing answered ${allowed.status}`);
  const location = new URL(allowed.headers.get("location"));
  check(location.href.startsWith(redirectUrl), `redirected to ${location.href}`);
  check(location.searchParams.get("iss") === origin, "RFC 9207 iss is the issuer");
  return { code: location.searchParams.get("code"), consentPage };
}

class MemoryProvider {
  constructor(username) {
    this.username = username;
    this.saved = {};
    this.pending = null;
  }
  get redirectUrl() {
    return redirectUrl;
  }
  get clientMetadata() {
    return {
      client_name: "typescript sdk e2e",
      redirect_uris: [redirectUrl],
      grant_types: ["authorization_code", "refresh_token"],
      response_types: ["code"],
      token_endpoint_auth_method: "none",
    };
  }
  clientInformation() {
    return this.saved.client;
  }
  saveClientInformation(client) {
    this.saved.client = client;
  }
  tokens() {
    return this.saved.tokens;
  }
  saveTokens(tokens) {
    this.saved.tokens = tokens;
  }
  saveCodeVerifier(verifier) {
    this.saved.verifier = verifier;
  }
  codeVerifier() {
    return this.saved.verifier;
  }
  async redirectToAuthorization(url) {
    this.pending = signInAndAllow(url.href, this.username);
    await this.pending;
  }
}

async function main() {
  const account = (await admin("GET", "/integrated-account")).result[0];
  const server = await admin("POST", `/integrated-account/${account.id}/mcp`, { name: "ts oauth e2e", config: { auth: "oauth" } });
  const username = "ts-" + randomBytes(4).toString("hex");
  execFileSync(process.env.BMS_MCP_BIN, ["users", "add", "--data-dir", process.env.BMS_MCP_DATA_DIR, username], { input: password + "\n" });

  const provider = new MemoryProvider(username);
  const url = new URL(server.url);
  let transport = new StreamableHTTPClientTransport(url, { authProvider: provider });
  let client = new Client({ name: "bms-mcp-ts-oauth", version: "1.0.0" });
  try {
    await client.connect(transport);
    throw new Error("connected without signing in");
  } catch (error) {
    if (!(error instanceof UnauthorizedError)) throw error;
  }
  const { code, consentPage } = await provider.pending;
  check(consentPage.includes(account.name), "the consent page names the integrated account");
  await transport.finishAuth(code);
  check(provider.tokens().access_token.startsWith("bmso_"), "an opaque bms-mcp access token");

  transport = new StreamableHTTPClientTransport(url, { authProvider: provider });
  client = new Client({ name: "bms-mcp-ts-oauth", version: "1.0.0" });
  await client.connect(transport);
  const tools = await client.listTools();
  check(tools.tools.length > 0, "tools are listed");
  const result = await client.callTool({ name: "list_all_kaseya_bms_queues_lookup", arguments: {} });
  check(!result.isError, "the tool call succeeded: " + JSON.stringify(result).slice(0, 300));
  await client.close();
  console.log(JSON.stringify({ ok: true, tools: tools.tools.length }));
}

main().catch((error) => {
  console.log(JSON.stringify({ ok: false, error: String(error && error.stack ? error.stack : error) }));
  process.exit(1);
});
