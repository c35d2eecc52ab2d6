//! `bms-mcp users add|list|remove` on a store: the password comes from standard input and is
//! checked before anything is stored; a name is added once; removing a name that is not there
//! says so.

mod process;

use std::io::Write;
use std::process::{Output, Stdio};

fn users(dir: &std::path::Path, args: &[&str], stdin: &str) -> Output {
    let mut child = process::bms_mcp_blocking()
        .arg("users")
        .args(args)
        .arg("--data-dir")
        .arg(dir)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("bms-mcp runs");
    child
        .stdin
        .take()
        .expect("stdin")
        .write_all(stdin.as_bytes())
        .expect("stdin written");
    child.wait_with_output().expect("bms-mcp exits")
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

#[test]
fn users_are_added_from_stdin_listed_once_and_removed() {
    let dir = tempfile::tempdir().unwrap();
    let short = users(dir.path(), &["add", "alice"], "short\n");
    assert!(!short.status.success());
    assert!(
        text(&short.stderr).contains("at least 12"),
        "{}",
        text(&short.stderr)
    );
    let added = users(dir.path(), &["add", "alice"], "a long enough password\n");
    assert!(added.status.success(), "{}", text(&added.stderr));
    let again = users(dir.path(), &["add", "alice"], "a long enough password\n");
    assert!(
        text(&again.stderr).contains("already exists"),
        "{}",
        text(&again.stderr)
    );
    let listed = users(dir.path(), &["list"], "");
    assert!(text(&listed.stdout).contains("alice"));
    assert!(
        !text(&listed.stdout).contains("long enough"),
        "no password is printed"
    );
    let removed = users(dir.path(), &["remove", "alice"], "");
    assert!(removed.status.success(), "{}", text(&removed.stderr));
    assert!(!text(&users(dir.path(), &["list"], "").stdout).contains("alice"));
    let gone = users(dir.path(), &["remove", "alice"], "");
    assert!(
        text(&gone.stderr).contains("no user named `alice`"),
        "{}",
        text(&gone.stderr)
    );
}
