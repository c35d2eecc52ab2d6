//! Secrets at rest: BMS passwords and TOTP secrets are sealed with XChaCha20-Poly1305 under a
//! 256-bit data key, each value with its own random nonce and bound to the row and field it
//! belongs to (associated data), so a sealed value copied to another row does not open.

use std::io::Write;
use std::path::{Path, PathBuf};

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use chacha20poly1305::aead::{Aead, KeyInit, Payload};
use chacha20poly1305::{XChaCha20Poly1305, XNonce};

/// Environment variable holding the data key as 64 hex digits. Replicas sharing one
/// PostgreSQL must share the key.
pub const DATA_KEY_ENV: &str = "BMS_MCP_DATA_KEY";

/// File name of the key file created under the data directory when no key is given.
pub const DATA_KEY_FILE: &str = "data.key";

const SEALED_PREFIX: &str = "v1.";
const NONCE_LEN: usize = 24;

/// Why the data key could not be had.
#[derive(Debug, thiserror::Error)]
pub enum KeyError {
    #[error("{DATA_KEY_ENV} must be 64 hex digits (32 bytes): {0}")]
    BadEnv(String),
    #[error("the key file {path} must hold 64 hex digits (32 bytes): {reason}")]
    BadFile { path: PathBuf, reason: String },
    #[error("cannot read or create the key file {path}: {source}")]
    Io {
        path: PathBuf,
        source: std::io::Error,
    },
}

/// A sealed value that does not open: wrong key, or the stored text was altered.
#[derive(Debug, thiserror::Error)]
#[error(
    "a stored secret does not decrypt with this data key; was {DATA_KEY_ENV} or {DATA_KEY_FILE} changed since it was stored?"
)]
pub struct OpenError;

/// The 256-bit key secrets are sealed with. Never printed.
#[derive(Clone)]
pub struct DataKey([u8; 32]);

impl std::fmt::Debug for DataKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("DataKey(..)")
    }
}

impl DataKey {
    /// A key from its bytes (tests, and keys read elsewhere).
    pub fn from_bytes(bytes: [u8; 32]) -> DataKey {
        DataKey(bytes)
    }

    /// The key from `BMS_MCP_DATA_KEY`, else from `<data_dir>/data.key`, which is created
    /// with a random key and mode 0600 when missing.
    pub fn load(data_dir: &Path) -> Result<DataKey, KeyError> {
        if let Ok(hex) = std::env::var(DATA_KEY_ENV) {
            return parse_hex_key(&hex).map(DataKey).map_err(KeyError::BadEnv);
        }
        let path = data_dir.join(DATA_KEY_FILE);
        match std::fs::read_to_string(&path) {
            Ok(text) => parse_hex_key(&text)
                .map(DataKey)
                .map_err(|reason| KeyError::BadFile { path, reason }),
            Err(error) if error.kind() == std::io::ErrorKind::NotFound => {
                let key: [u8; 32] = rand::random();
                write_key_file(&path, &key).map_err(|source| KeyError::Io {
                    path: path.clone(),
                    source,
                })?;
                tracing::info!(path = %path.display(), "created a new data key file");
                Ok(DataKey(key))
            }
            Err(source) => Err(KeyError::Io { path, source }),
        }
    }
}

/// Writes a new key file readable by its owner only. `create_new` so that two processes
/// starting at once cannot each write a different key: the loser fails and is restarted.
fn write_key_file(path: &Path, key: &[u8; 32]) -> std::io::Result<()> {
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.mode(0o600);
    }
    let mut file = options.open(path)?;
    let mut hex = String::with_capacity(64);
    super::push_hex(&mut hex, key);
    file.write_all(hex.as_bytes())?;
    file.write_all(b"\n")?;
    file.sync_all()
}

/// Parses 64 hex digits (surrounding whitespace ignored) into 32 bytes.
pub fn parse_hex_key(hex: &str) -> Result<[u8; 32], String> {
    let hex = hex.trim();
    if hex.len() != 64 || !hex.is_ascii() {
        return Err(format!(
            "expected 64 hex digits, got {} characters",
            hex.len()
        ));
    }
    let mut key = [0u8; 32];
    for (i, byte) in key.iter_mut().enumerate() {
        *byte = u8::from_str_radix(&hex[2 * i..2 * i + 2], 16)
            .map_err(|_| "not a hex digit".to_owned())?;
    }
    Ok(key)
}

/// Seals and opens secrets with the data key.
#[derive(Clone)]
pub struct SecretBox {
    cipher: XChaCha20Poly1305,
}

impl SecretBox {
    pub fn new(key: &DataKey) -> SecretBox {
        SecretBox {
            cipher: XChaCha20Poly1305::new(&key.0.into()),
        }
    }

    /// `v1.` + base64url(nonce ‖ ciphertext ‖ tag). `context` names the row and field.
    pub fn seal(&self, plaintext: &str, context: &str) -> String {
        let nonce_bytes: [u8; NONCE_LEN] = rand::random();
        let nonce = XNonce::from(nonce_bytes);
        let payload = Payload {
            msg: plaintext.as_bytes(),
            aad: context.as_bytes(),
        };
        // Encryption fails only for messages beyond the cipher's length limit (256 GiB).
        let sealed = self
            .cipher
            .encrypt(&nonce, payload)
            .unwrap_or_else(|_| unreachable!("secrets are far below the AEAD's length limit"));
        let mut bytes = nonce_bytes.to_vec();
        bytes.extend_from_slice(&sealed);
        format!("{SEALED_PREFIX}{}", URL_SAFE_NO_PAD.encode(bytes))
    }

    /// The plaintext of a value sealed with the same key and context.
    pub fn open(&self, sealed: &str, context: &str) -> Result<String, OpenError> {
        let bytes = sealed
            .strip_prefix(SEALED_PREFIX)
            .and_then(|b64| URL_SAFE_NO_PAD.decode(b64).ok())
            .ok_or(OpenError)?;
        if bytes.len() < NONCE_LEN {
            return Err(OpenError);
        }
        let (nonce, ciphertext) = bytes.split_at(NONCE_LEN);
        let payload = Payload {
            msg: ciphertext,
            aad: context.as_bytes(),
        };
        let plain = self
            .cipher
            .decrypt(XNonce::from_slice(nonce), payload)
            .map_err(|_| OpenError)?;
        String::from_utf8(plain).map_err(|_| OpenError)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn boxed(byte: u8) -> SecretBox {
        SecretBox::new(&DataKey::from_bytes([byte; 32]))
    }

    #[test]
    fn sealed_values_open_with_the_same_key_and_context_only() {
        let sealer = boxed(7);
        let sealed = sealer.seal("hunter2", "acc/password");
        assert!(!sealed.contains("hunter2"));
        assert_eq!(sealer.open(&sealed, "acc/password").unwrap(), "hunter2");
        assert!(sealer.open(&sealed, "other/password").is_err());
        assert!(boxed(8).open(&sealed, "acc/password").is_err());
        assert!(sealer.open("v1.AAAA", "acc/password").is_err());
        assert!(sealer.open("garbage", "acc/password").is_err());
    }

    #[test]
    fn each_seal_uses_a_fresh_nonce() {
        let sealer = boxed(1);
        assert_ne!(sealer.seal("same", "c"), sealer.seal("same", "c"));
    }

    #[test]
    fn a_new_key_file_is_private_and_reused() {
        let dir = tempfile::tempdir().unwrap();
        // SAFETY of the test: the env var is not set by any test in this binary.
        if std::env::var(DATA_KEY_ENV).is_ok() {
            return;
        }
        let first = DataKey::load(dir.path()).unwrap();
        let second = DataKey::load(dir.path()).unwrap();
        assert_eq!(first.0, second.0);
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = std::fs::metadata(dir.path().join(DATA_KEY_FILE))
                .unwrap()
                .permissions()
                .mode();
            assert_eq!(mode & 0o777, 0o600);
        }
    }

    #[test]
    fn hex_keys_must_be_64_digits() {
        assert!(parse_hex_key(&"ab".repeat(32)).is_ok());
        assert!(parse_hex_key("abc").is_err());
        assert!(parse_hex_key(&"zz".repeat(32)).is_err());
    }
}
