//! The admin console and the OAuth sign-in and consent pages in a real browser: Debian's
//! headless Chromium, driven by Selenium (pinned in `tests/interop/python/requirements.txt`)
//! through `/usr/bin/chromedriver`. Chromium and its
//! driver are installed with apt when missing (the machines run as root). The test starts its
//! own `bms-mcp serve`; screenshots of each page land in `target/console-screenshots/`.

use std::path::Path;
use std::process::Command;

use anyhow::{Context, bail};

use super::{Outcome, Server};

const CHROMIUM: &str = "/usr/bin/chromium";
const CHROMEDRIVER: &str = "/usr/bin/chromedriver";

/// Runs `tests/interop/python/console_browser.py` with pytest.
pub fn browser_suite(
    root: &Path,
    python: &Path,
    binary: &Path,
    server: &Server,
) -> anyhow::Result<Outcome> {
    println!("== admin console in headless Chromium (selenium) ==");
    ensure_chromium()?;
    let screenshots = root.join("target/console-screenshots");
    let status = Command::new(python)
        .args([
            "-m",
            "pytest",
            "-q",
            "-p",
            "no:cacheprovider",
            "tests/interop/python/console_browser.py",
            // The OAuth sign-in and consent pages, in the same browser set-up.
            "tests/interop/python/oauth_browser.py",
        ])
        .current_dir(root)
        .env("BMS_MCP_BIN", binary)
        .env("CONSOLE_SCREENSHOTS", &screenshots)
        .env("CHROMIUM", CHROMIUM)
        .env("CHROMEDRIVER", CHROMEDRIVER)
        // The interop conftest reads these; the console test runs its own server.
        .env("BMS_MCP_URL", &server.mcp_url)
        .env("BMS_SANDBOX_URL", &server.sandbox_url)
        // Selenium must use the driver given, never fetch one.
        .env("SE_OFFLINE", "true")
        .status()
        .context("running pytest")?;
    Ok(Outcome::new(
        "admin console and OAuth pages (chromium, selenium 4.51)",
        status.success(),
        format!("screenshots in {}", screenshots.display()),
    ))
}

/// Debian's chromium and chromium-driver, installed when either is missing.
fn ensure_chromium() -> anyhow::Result<()> {
    if Path::new(CHROMIUM).exists() && Path::new(CHROMEDRIVER).exists() {
        return Ok(());
    }
    println!("== installing Debian's chromium and chromium-driver ==");
    let update = Command::new("apt-get")
        .args(["update", "-qq"])
        .status()
        .context("running apt-get update")?;
    if !update.success() {
        bail!("apt-get update failed");
    }
    let install = Command::new("apt-get")
        .args(["install", "-y", "-qq", "chromium", "chromium-driver"])
        .env("DEBIAN_FRONTEND", "noninteractive")
        .status()
        .context("running apt-get install")?;
    if !install.success() {
        bail!("apt-get install chromium chromium-driver failed (run it as root)");
    }
    Ok(())
}
