//! Refuses to build when `generated/` does not match `spec/`: the catalogue compiled into the
//! binary must be the one the spec and records describe. It checks, never writes: regenerating
//! is `cargo xtask gen`, so the diff is reviewed and committed.
//! It also records the git commit built, for `bms-mcp --version`.

use std::path::{Path, PathBuf};
use std::process::Command;

fn main() {
    println!("cargo::rerun-if-changed=spec");
    println!("cargo::rerun-if-changed=generated");
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    println!("cargo::rustc-env=BMS_MCP_GIT_COMMIT={}", git_commit(root));
    let files = match bms_mcp_codegen::generate(root) {
        Ok((_, files)) => files,
        Err(error) => {
            println!("cargo::error=spec/ has a problem: {error}");
            return;
        }
    };
    let stale = bms_mcp_codegen::stale_files(root, &files);
    if !stale.is_empty() {
        let list: Vec<String> = stale.iter().map(|p| p.display().to_string()).collect();
        println!(
            "cargo::error=generated/ is stale ({}); run `cargo xtask gen` and commit",
            list.join(", ")
        );
    }
}

/// `git rev-parse --short HEAD`, or "unknown" outside a git checkout (a source tarball).
fn git_commit(root: &Path) -> String {
    if let Some(dirs) = GitDirs::find(root) {
        for watched in dirs.watched() {
            println!("cargo::rerun-if-changed={}", watched.display());
        }
    }
    Command::new("git")
        .args(["rev-parse", "--short", "HEAD"])
        .current_dir(root)
        .output()
        .ok()
        .filter(|out| out.status.success())
        .and_then(|out| String::from_utf8(out.stdout).ok())
        .map(|commit| commit.trim().to_owned())
        .filter(|commit| !commit.is_empty())
        .unwrap_or_else(|| "unknown".to_owned())
}

/// Where git keeps what names the checked-out commit. In a plain clone both are `.git/`; in a
/// worktree (`git worktree add`) `.git` is a file saying `gitdir: <path>`, that directory holds
/// the worktree's own `HEAD`, and its `commondir` file names the directory the branches
/// (`refs/`, `packed-refs`) are shared in.
struct GitDirs {
    /// Holds `HEAD`.
    git: PathBuf,
    /// Holds `refs/` and `packed-refs`.
    common: PathBuf,
}

impl GitDirs {
    fn find(root: &Path) -> Option<GitDirs> {
        let dot_git = root.join(".git");
        let git = if dot_git.is_dir() {
            dot_git
        } else {
            let pointer = std::fs::read_to_string(&dot_git).ok()?;
            root.join(pointer.trim().strip_prefix("gitdir:")?.trim())
        };
        let common = match std::fs::read_to_string(git.join("commondir")) {
            Ok(relative) => {
                let common = git.join(relative.trim());
                common.canonicalize().unwrap_or(common)
            }
            Err(_) => git.clone(),
        };
        Some(GitDirs { git, common })
    }

    /// The files whose change means another commit is checked out: `HEAD` (a checkout, or a
    /// commit on a detached head), the branch `HEAD` names (a commit) and `packed-refs`
    /// (`git gc`, `git pack-refs`). Only paths that exist: a missing one would rerun the build
    /// script on every build. A branch with no loose ref file yet is watched through its
    /// folder, which the next commit on it writes the file into.
    fn watched(&self) -> Vec<PathBuf> {
        let head = self.git.join("HEAD");
        let mut watched = vec![head.clone()];
        let branch = std::fs::read_to_string(&head).ok().and_then(|head| {
            head.trim()
                .strip_prefix("ref:")
                .map(|name| self.common.join(name.trim()))
        });
        if let Some(branch) = branch {
            match branch.parent() {
                Some(folder) if !branch.exists() => watched.push(folder.to_path_buf()),
                _ => watched.push(branch),
            }
        }
        watched.push(self.common.join("packed-refs"));
        watched.retain(|path| path.exists());
        watched
    }
}
