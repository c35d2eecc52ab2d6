//! Ready-made client configurations for a new MCP server's URL, shown with it once.

use serde_json::json;

/// How a client is set up to use an MCP URL.
pub struct Snippet {
    /// The element id (for the copy button).
    pub id: &'static str,
    pub client: &'static str,
    pub how: &'static str,
    pub text: String,
}

/// A key for the server in a client's configuration: `bms-` and the name in lower-case
/// letters, digits and dashes.
fn config_key(name: &str) -> String {
    let words: Vec<String> = name
        .split(|c: char| !c.is_ascii_alphanumeric())
        .filter(|word| !word.is_empty())
        .map(str::to_ascii_lowercase)
        .collect();
    if words.is_empty() {
        "bms".to_owned()
    } else {
        format!("bms-{}", words.join("-"))
    }
}

/// ChatGPT, Claude Desktop (through `mcp-remote`) and the Python SDK, for `url`. With
/// `require_api_token_auth`, each also sends an admin token, read from the environment.
pub fn for_url(name: &str, url: &str, require_api_token_auth: bool) -> Vec<Snippet> {
    let mut args = vec![json!("-y"), json!("mcp-remote"), json!(url)];
    let mut server = json!({"command": "npx"});
    if require_api_token_auth {
        args.extend([json!("--header"), json!("Authorization:${BMS_MCP_AUTH}")]);
        server["env"] = json!({"BMS_MCP_AUTH": "Bearer bmsa_REPLACE_WITH_AN_ADMIN_TOKEN"});
    }
    server["args"] = json!(args);
    let claude = json!({"mcpServers": {config_key(name): server}});
    let claude = serde_json::to_string_pretty(&claude).unwrap_or_default();
    let python_client = if require_api_token_auth {
        "    # This server also requires an admin API token: pass\n    \
         # streamable_http_client(URL, http_client=httpx2.AsyncClient(headers={\"Authorization\": \"Bearer bmsa_...\"}))\n    \
         # instead of URL.\n    async with Client(URL) as client:"
    } else {
        "    async with Client(URL) as client:"
    };
    let python = format!(
        "# pip install mcp\nimport asyncio\n\nfrom mcp import Client\n\nURL = \"{url}\"\n\n\n\
         async def main():\n{python_client}\n        tools = await client.list_tools()\n        \
         print([tool.name for tool in tools.tools])\n\n\nasyncio.run(main())\n"
    );
    let chatgpt_how = if require_api_token_auth {
        "Settings → Apps & Connectors → Create: paste the URL as the MCP server URL. (This server also requires an admin token, which ChatGPT cannot send: create one without “Require API token” for ChatGPT.)"
    } else {
        "Settings → Apps & Connectors → Create (developer mode): paste the URL as the MCP server URL, authentication “No authentication” (the URL is the secret)."
    };
    vec![
        Snippet {
            id: "snippet-chatgpt",
            client: "ChatGPT",
            how: chatgpt_how,
            text: url.to_owned(),
        },
        Snippet {
            id: "snippet-claude",
            client: "Claude Desktop",
            how: "Settings → Developer → Edit Config: merge this into claude_desktop_config.json and restart Claude. mcp-remote (Node.js) bridges Claude's stdio to this URL.",
            text: claude,
        },
        Snippet {
            id: "snippet-python",
            client: "Python (official MCP SDK)",
            how: "A script that connects and lists the tools.",
            text: python,
        },
    ]
}

/// Set-ups for an OAuth server's URL: clients that sign the person in themselves.
pub fn for_oauth_url(name: &str, url: &str) -> Vec<Snippet> {
    let cursor = json!({"mcpServers": {config_key(name): {"url": url}}});
    vec![
        Snippet {
            id: "snippet-claude-ai",
            client: "Claude.ai",
            how: "Settings → Connectors → Add custom connector: paste the URL, leave the OAuth client fields empty, Add, then Connect and sign in as a bms-mcp user.",
            text: url.to_owned(),
        },
        Snippet {
            id: "snippet-chatgpt",
            client: "ChatGPT",
            how: "Settings → Apps & Connectors → Create (developer mode): paste the URL as the MCP server URL, authentication “OAuth”; ChatGPT opens the bms-mcp sign-in page.",
            text: url.to_owned(),
        },
        Snippet {
            id: "snippet-cursor",
            client: "Cursor",
            how: "Merge this into ~/.cursor/mcp.json; in Settings → MCP click “Needs login” and sign in as a bms-mcp user.",
            text: serde_json::to_string_pretty(&cursor).unwrap_or_default(),
        },
    ]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn oauth_set_ups_carry_the_url_and_say_how_to_sign_in() {
        let snippets = for_oauth_url("CRM", "https://mcp.example.com/mcp/o/abc");
        assert!(
            snippets
                .iter()
                .all(|s| s.text.contains("https://mcp.example.com/mcp/o/abc"))
        );
        assert!(snippets.iter().all(|s| s.how.contains("sign")));
        assert!(!snippets.iter().any(|s| s.how.contains("No authentication")));
    }

    #[test]
    fn config_keys_are_lower_case_words_joined_by_dashes() {
        assert_eq!(config_key("CRM read-only"), "bms-crm-read-only");
        assert_eq!(config_key("  Tickets!! "), "bms-tickets");
        assert_eq!(config_key("日本"), "bms");
    }

    #[test]
    fn every_snippet_holds_the_url_and_claude_config_is_json() {
        let url = "http://127.0.0.1:8080/mcp/bmsm_x";
        for require in [false, true] {
            let snippets = for_url("crm", url, require);
            assert!(snippets.iter().all(|s| s.text.contains(url)));
            let claude: serde_json::Value =
                serde_json::from_str(&snippets[1].text).expect("Claude config is JSON");
            assert_eq!(claude["mcpServers"]["bms-crm"]["args"][2], url);
        }
    }
}
