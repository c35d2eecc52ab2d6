//! Local users: the people who sign in on the OAuth authorize page. Created by an admin
//! (`bms-mcp users add`); passwords are kept only as Argon2id PHC strings (RFC 9106's
//! recommended parameters, as the `argon2` crate defaults them).

use argon2::Argon2;
use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};

use super::{Invalid, Store, StoreError, check_line, new_id, unix_now};

/// Passwords shorter than this are refused (NIST SP 800-63B's floor for a password set by
/// someone else is 8; a shared admin-chosen one deserves more).
pub const MIN_PASSWORD_CHARS: usize = 12;
/// The prefix of the user names of people who sign in through the OpenID Connect provider
/// (`oidc:<issuer>#<sub>`); local user names may not start with it, so no local user can
/// take a provider person's name, or theirs.
pub const OIDC_PREFIX: &str = "oidc:";
/// The `password_hash` of a provider person: not a PHC string, so no password matches it.
const NO_PASSWORD: &str = "!oidc";
/// Longer passwords are refused: Argon2 takes any length, but a cap bounds the work a
/// sign-in attempt can ask for.
const MAX_PASSWORD_BYTES: usize = 1024;

/// A person who can sign in (never with the password hash).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct User {
    pub id: String,
    /// What the person types to sign in; also the audit log's subject.
    pub username: String,
    pub created_at: i64,
}

/// Checks a user name and password before anything is hashed or stored.
pub fn check_new_user(username: &str, password: &str) -> Result<(), Invalid> {
    check_line("username", username, 100)?;
    if username.chars().any(char::is_whitespace) {
        return Err(Invalid::new("username", "must not contain spaces"));
    }
    if username.starts_with(OIDC_PREFIX) {
        return Err(Invalid::new(
            "username",
            format!("must not start with `{OIDC_PREFIX}` (reserved for OpenID Connect sign-ins)"),
        ));
    }
    if password.chars().count() < MIN_PASSWORD_CHARS {
        return Err(Invalid::new(
            "password",
            format!("must be at least {MIN_PASSWORD_CHARS} characters"),
        ));
    }
    if password.len() > MAX_PASSWORD_BYTES {
        return Err(Invalid::new(
            "password",
            format!("must be at most {MAX_PASSWORD_BYTES} bytes"),
        ));
    }
    Ok(())
}

fn hash_password(password: &str) -> Result<String, StoreError> {
    let salt =
        SaltString::encode_b64(&rand::random::<[u8; 16]>()).map_err(|e| StoreError::Corrupt {
            what: "password salt",
            detail: e.to_string(),
        })?;
    Argon2::default()
        .hash_password(password.as_bytes(), &salt)
        .map(|hash| hash.to_string())
        .map_err(|e| StoreError::Corrupt {
            what: "password hash",
            detail: e.to_string(),
        })
}

/// Whether `password` matches a stored PHC string; a malformed one matches nothing.
fn password_matches(stored: &str, password: &str) -> bool {
    PasswordHash::new(stored).is_ok_and(|hash| {
        Argon2::default()
            .verify_password(password.as_bytes(), &hash)
            .is_ok()
    })
}

/// A hash no password matches, verified when the user name is unknown so that answer takes
/// as long as a wrong password (the name is not revealed by timing).
fn decoy_hash() -> &'static str {
    static DECOY: std::sync::OnceLock<String> = std::sync::OnceLock::new();
    DECOY.get_or_init(|| hash_password(&new_id()).unwrap_or_default())
}

impl Store {
    /// Adds a user. `Err(Invalid)` inside when the name or password is refused or the name
    /// is taken.
    pub async fn create_user(
        &self,
        username: &str,
        password: &str,
    ) -> Result<Result<User, Invalid>, StoreError> {
        if let Err(invalid) = check_new_user(username, password) {
            return Ok(Err(invalid));
        }
        if self.user_by_name(username).await?.is_some() {
            return Ok(Err(Invalid::new(
                "username",
                format!("`{username}` already exists; remove it first or pick another name"),
            )));
        }
        let password = password.to_owned();
        // Argon2 takes tens of milliseconds of CPU on purpose: off the async workers.
        let hash = tokio::task::spawn_blocking(move || hash_password(&password))
            .await
            .map_err(|e| StoreError::Corrupt {
                what: "password hashing task",
                detail: e.to_string(),
            })??;
        let user = User {
            id: new_id(),
            username: username.to_owned(),
            created_at: unix_now(),
        };
        sqlx::query(
            "INSERT INTO oauth_users (id, username, password_hash, created_at) VALUES ($1, $2, $3, $4)",
        )
        .bind(&user.id)
        .bind(&user.username)
        .bind(hash)
        .bind(user.created_at)
        .execute(self.pool())
        .await?;
        Ok(Ok(user))
    }

    /// The user of a person the OpenID Connect provider signed in, created on their first
    /// sign-in; `subject` is `oidc:<issuer>#<sub>`. They have no password, so they can never
    /// sign in on the local form.
    pub async fn oidc_user(&self, subject: &str) -> Result<User, StoreError> {
        if let Some((user, hash)) = self.user_by_name(subject).await? {
            if hash == NO_PASSWORD {
                return Ok(user);
            }
            // Unreachable through `create_user`, which refuses the prefix; a hand-edited
            // store must not let a local password stand in for a provider's sign-in.
            return Err(StoreError::Corrupt {
                what: "oidc user",
                detail: format!("`{subject}` is a local user with a password"),
            });
        }
        let user = User {
            id: new_id(),
            username: subject.to_owned(),
            created_at: unix_now(),
        };
        sqlx::query(
            "INSERT INTO oauth_users (id, username, password_hash, created_at) VALUES ($1, $2, $3, $4)",
        )
        .bind(&user.id)
        .bind(&user.username)
        .bind(NO_PASSWORD)
        .bind(user.created_at)
        .execute(self.pool())
        .await?;
        Ok(user)
    }

    /// Every user, by name.
    pub async fn users(&self) -> Result<Vec<User>, StoreError> {
        let rows: Vec<(String, String, i64)> =
            sqlx::query_as("SELECT id, username, created_at FROM oauth_users ORDER BY username")
                .fetch_all(self.pool())
                .await?;
        Ok(rows
            .into_iter()
            .map(|(id, username, created_at)| User {
                id,
                username,
                created_at,
            })
            .collect())
    }

    async fn user_by_name(&self, username: &str) -> Result<Option<(User, String)>, StoreError> {
        let row: Option<(String, String, String, i64)> = sqlx::query_as(
            "SELECT id, username, password_hash, created_at FROM oauth_users WHERE username = $1",
        )
        .bind(username)
        .fetch_optional(self.pool())
        .await?;
        Ok(row.map(|(id, username, hash, created_at)| {
            (
                User {
                    id,
                    username,
                    created_at,
                },
                hash,
            )
        }))
    }

    /// The user these credentials sign in as, if they do.
    pub async fn check_password(
        &self,
        username: &str,
        password: &str,
    ) -> Result<Option<User>, StoreError> {
        if password.len() > MAX_PASSWORD_BYTES {
            return Ok(None);
        }
        let found = self.user_by_name(username).await?;
        let stored = found
            .as_ref()
            .map_or_else(|| decoy_hash().to_owned(), |(_, hash)| hash.clone());
        let password = password.to_owned();
        let matches = tokio::task::spawn_blocking(move || password_matches(&stored, &password))
            .await
            .unwrap_or(false);
        Ok(found.filter(|_| matches).map(|(user, _)| user))
    }

    /// Removes a user by name, and with it every grant (and so every token) they gave;
    /// false when there was none.
    pub async fn delete_user(&self, username: &str) -> Result<bool, StoreError> {
        let Some((user, _)) = self.user_by_name(username).await? else {
            return Ok(false);
        };
        // Tokens and codes first: the deletes must not depend on foreign-key enforcement.
        for table in ["oauth_tokens", "oauth_codes"] {
            sqlx::query(&format!(
                "DELETE FROM {table} WHERE grant_id IN (SELECT id FROM oauth_grants WHERE user_id = $1)"
            ))
            .bind(&user.id)
            .execute(self.pool())
            .await?;
        }
        sqlx::query("DELETE FROM oauth_grants WHERE user_id = $1")
            .bind(&user.id)
            .execute(self.pool())
            .await?;
        let done = sqlx::query("DELETE FROM oauth_users WHERE id = $1")
            .bind(&user.id)
            .execute(self.pool())
            .await?;
        Ok(done.rows_affected() == 1)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn local_user_names_may_not_take_the_oidc_prefix() {
        let refused = check_new_user("oidc:https://accounts.google.com#1", "long enough pw");
        assert!(refused.is_err_and(|e| e.to_string().contains("reserved")));
        assert!(check_new_user("oidcfan", "long enough pw").is_ok());
    }

    #[test]
    fn a_password_matches_its_own_hash_only() {
        let hash = hash_password("correct horse battery").unwrap();
        assert!(hash.starts_with("$argon2id$"), "{hash}");
        assert!(password_matches(&hash, "correct horse battery"));
        assert!(!password_matches(&hash, "correct horse batterz"));
        assert!(!password_matches("not a phc string", "x"));
        assert!(!password_matches(decoy_hash(), ""));
    }

    #[test]
    fn short_passwords_and_names_with_spaces_are_refused() {
        assert!(check_new_user("alice", "twelve chars").is_ok());
        assert_eq!(
            check_new_user("alice", "eleven char").unwrap_err().field,
            "password"
        );
        assert_eq!(
            check_new_user("al ice", "twelve chars").unwrap_err().field,
            "username"
        );
        assert_eq!(
            check_new_user(" ", "twelve chars").unwrap_err().field,
            "username"
        );
    }
}
