//! Integrated accounts: one connected BMS tenant each. The password and TOTP secret are sealed
//! before they reach the database and are only ever opened to build a `BmsClient`.

use sqlx::Row;
use sqlx::any::AnyRow;

use super::{Invalid, Store, StoreError, check_line, new_id, unix_now};

/// Where an account's BMS API is: a named region, or a base URL.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum BmsLocation {
    Region(String),
    BaseUrl(String),
}

/// An integrated account as the API shows it: never its password or TOTP secret.
#[derive(Debug, Clone)]
pub struct IntegratedAccount {
    pub id: String,
    pub name: String,
    pub location: BmsLocation,
    pub username: String,
    pub tenant: String,
    pub has_totp: bool,
    /// Bumped on every change, so clients built from an older revision are rebuilt.
    pub revision: i64,
    pub created_at: i64,
    pub updated_at: i64,
}

/// An account's BMS secrets, opened. Not `Debug`, so it cannot end up in a log by accident.
pub struct AccountSecrets {
    pub password: String,
    pub totp_secret: Option<String>,
}

/// A new integrated account, validated by `validate` before it is stored.
pub struct NewAccount {
    pub name: String,
    pub location: BmsLocation,
    pub username: String,
    pub password: String,
    pub tenant: String,
    pub totp_secret: Option<String>,
}

/// A partial update; `None` leaves a field as it is. `totp_secret: Some(None)` removes it.
#[derive(Default)]
pub struct AccountChanges {
    pub name: Option<String>,
    pub location: Option<BmsLocation>,
    pub username: Option<String>,
    pub password: Option<String>,
    pub tenant: Option<String>,
    pub totp_secret: Option<Option<String>>,
}

/// Checks a location against the regions this process knows.
pub fn check_location(location: &BmsLocation, regions: &[String]) -> Result<(), Invalid> {
    match location {
        BmsLocation::Region(region) if regions.iter().any(|r| r == region) => Ok(()),
        BmsLocation::Region(region) => Err(Invalid::new(
            "region",
            format!(
                "unknown region `{region}`; use one of {} or give base_url",
                regions.join(", ")
            ),
        )),
        BmsLocation::BaseUrl(url) => match reqwest::Url::parse(url) {
            Ok(parsed) if matches!(parsed.scheme(), "http" | "https") && parsed.has_host() => {
                Ok(())
            }
            _ => Err(Invalid::new(
                "base_url",
                "must be an http(s) URL, e.g. https://api.bms.kaseya.com",
            )),
        },
    }
}

/// The longest account field accepted.
const MAX_FIELD_BYTES: usize = 1024;

/// A secret: any characters, as BMS may accept them.
fn required(field: &str, value: &str) -> Result<(), Invalid> {
    if value.trim().is_empty() {
        return Err(Invalid::new(field, "must not be empty"));
    }
    if value.len() > MAX_FIELD_BYTES {
        return Err(Invalid::new(
            field,
            format!("is longer than {MAX_FIELD_BYTES} bytes"),
        ));
    }
    Ok(())
}

fn check_totp(secret: &str) -> Result<(), Invalid> {
    let ok = !secret.is_empty()
        && secret
            .bytes()
            .all(|b| b.is_ascii_uppercase() || (b'2'..=b'7').contains(&b) || b == b'=');
    if ok {
        Ok(())
    } else {
        Err(Invalid::new(
            "totp_secret",
            "must be the base32 secret (A-Z, 2-7) shown when MFA was set up",
        ))
    }
}

impl NewAccount {
    /// Every field checked, naming the first one that is wrong.
    pub fn validate(&self, regions: &[String]) -> Result<(), Invalid> {
        check_line("name", &self.name, MAX_FIELD_BYTES)?;
        check_location(&self.location, regions)?;
        check_line("username", &self.username, MAX_FIELD_BYTES)?;
        required("password", &self.password)?;
        check_line("tenant", &self.tenant, MAX_FIELD_BYTES)?;
        if let Some(secret) = &self.totp_secret {
            check_totp(secret)?;
        }
        Ok(())
    }
}

impl AccountChanges {
    pub fn validate(&self, regions: &[String]) -> Result<(), Invalid> {
        for (field, value) in [
            ("name", &self.name),
            ("username", &self.username),
            ("tenant", &self.tenant),
        ] {
            if let Some(value) = value {
                check_line(field, value, MAX_FIELD_BYTES)?;
            }
        }
        if let Some(password) = &self.password {
            required("password", password)?;
        }
        if let Some(location) = &self.location {
            check_location(location, regions)?;
        }
        if let Some(Some(secret)) = &self.totp_secret {
            check_totp(secret)?;
        }
        Ok(())
    }
}

const COLUMNS: &str = "id, name, region, base_url, username, tenant, totp_secret_sealed, revision, created_at, updated_at";

fn password_context(id: &str) -> String {
    format!("integrated_accounts/{id}/password")
}

fn totp_context(id: &str) -> String {
    format!("integrated_accounts/{id}/totp_secret")
}

fn from_row(row: &AnyRow) -> Result<IntegratedAccount, StoreError> {
    let region: Option<String> = row.try_get("region")?;
    let base_url: Option<String> = row.try_get("base_url")?;
    let location = match (region, base_url) {
        (Some(region), _) => BmsLocation::Region(region),
        (None, Some(url)) => BmsLocation::BaseUrl(url),
        (None, None) => {
            return Err(StoreError::Corrupt {
                what: "integrated account",
                detail: "neither region nor base_url is set".into(),
            });
        }
    };
    let totp: Option<String> = row.try_get("totp_secret_sealed")?;
    Ok(IntegratedAccount {
        id: row.try_get("id")?,
        name: row.try_get("name")?,
        location,
        username: row.try_get("username")?,
        tenant: row.try_get("tenant")?,
        has_totp: totp.is_some(),
        revision: row.try_get("revision")?,
        created_at: row.try_get("created_at")?,
        updated_at: row.try_get("updated_at")?,
    })
}

fn split(location: &BmsLocation) -> (Option<&str>, Option<&str>) {
    match location {
        BmsLocation::Region(region) => (Some(region), None),
        BmsLocation::BaseUrl(url) => (None, Some(url)),
    }
}

impl Store {
    /// Stores a new account (validate it first).
    pub async fn create_account(&self, new: NewAccount) -> Result<IntegratedAccount, StoreError> {
        let id = new_id();
        let now = unix_now();
        let (region, base_url) = split(&new.location);
        let password = self.secrets().seal(&new.password, &password_context(&id));
        let totp = new
            .totp_secret
            .as_deref()
            .map(|s| self.secrets().seal(s, &totp_context(&id)));
        sqlx::query(
            "INSERT INTO integrated_accounts (id, name, region, base_url, username, tenant, \
             password_sealed, totp_secret_sealed, revision, created_at, updated_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, 1, $9, $9)",
        )
        .bind(&id)
        .bind(new.name.trim())
        .bind(region)
        .bind(base_url)
        .bind(&new.username)
        .bind(&new.tenant)
        .bind(&password)
        .bind(totp)
        .bind(now)
        .execute(self.pool())
        .await?;
        Ok(IntegratedAccount {
            id,
            name: new.name.trim().to_owned(),
            location: new.location,
            username: new.username,
            tenant: new.tenant,
            has_totp: new.totp_secret.is_some(),
            revision: 1,
            created_at: now,
            updated_at: now,
        })
    }

    /// Every account, oldest first.
    pub async fn accounts(&self) -> Result<Vec<IntegratedAccount>, StoreError> {
        let rows = sqlx::query(&format!(
            "SELECT {COLUMNS} FROM integrated_accounts ORDER BY created_at, id"
        ))
        .fetch_all(self.pool())
        .await?;
        rows.iter().map(from_row).collect()
    }

    /// One account.
    pub async fn account(&self, id: &str) -> Result<Option<IntegratedAccount>, StoreError> {
        let row = sqlx::query(&format!(
            "SELECT {COLUMNS} FROM integrated_accounts WHERE id = $1"
        ))
        .bind(id)
        .fetch_optional(self.pool())
        .await?;
        row.as_ref().map(from_row).transpose()
    }

    /// One account with its secrets opened, to connect to BMS.
    pub async fn account_with_secrets(
        &self,
        id: &str,
    ) -> Result<Option<(IntegratedAccount, AccountSecrets)>, StoreError> {
        let Some(row) = sqlx::query(&format!(
            "SELECT {COLUMNS}, password_sealed FROM integrated_accounts WHERE id = $1"
        ))
        .bind(id)
        .fetch_optional(self.pool())
        .await?
        else {
            return Ok(None);
        };
        let account = from_row(&row)?;
        let open = |sealed: &str, context: String| {
            self.secrets()
                .open(sealed, &context)
                .map_err(|source| StoreError::Secret {
                    account: account.id.clone(),
                    source,
                })
        };
        let password: String = row.try_get("password_sealed")?;
        let totp: Option<String> = row.try_get("totp_secret_sealed")?;
        let secrets = AccountSecrets {
            password: open(&password, password_context(&account.id))?,
            totp_secret: totp
                .map(|t| open(&t, totp_context(&account.id)))
                .transpose()?,
        };
        Ok(Some((account, secrets)))
    }

    /// Applies a partial update; `None` when there is no such account.
    pub async fn update_account(
        &self,
        id: &str,
        changes: AccountChanges,
    ) -> Result<Option<IntegratedAccount>, StoreError> {
        let mut tx = self.pool().begin().await?;
        let now = unix_now();
        let done = sqlx::query(
            "UPDATE integrated_accounts SET revision = revision + 1, updated_at = $2 WHERE id = $1",
        )
        .bind(id)
        .bind(now)
        .execute(&mut *tx)
        .await?;
        if done.rows_affected() == 0 {
            return Ok(None);
        }
        let text_updates = [
            ("name", changes.name.map(|n| n.trim().to_owned())),
            ("username", changes.username),
            ("tenant", changes.tenant),
            (
                "password_sealed",
                changes
                    .password
                    .map(|p| self.secrets().seal(&p, &password_context(id))),
            ),
        ];
        for (column, value) in text_updates {
            if let Some(value) = value {
                // Column names come from the list above, never from input.
                sqlx::query(&format!(
                    "UPDATE integrated_accounts SET {column} = $2 WHERE id = $1"
                ))
                .bind(id)
                .bind(value)
                .execute(&mut *tx)
                .await?;
            }
        }
        if let Some(location) = &changes.location {
            let (region, base_url) = split(location);
            sqlx::query("UPDATE integrated_accounts SET region = $2, base_url = $3 WHERE id = $1")
                .bind(id)
                .bind(region)
                .bind(base_url)
                .execute(&mut *tx)
                .await?;
        }
        if let Some(totp) = changes.totp_secret {
            let sealed = totp.map(|t| self.secrets().seal(&t, &totp_context(id)));
            sqlx::query("UPDATE integrated_accounts SET totp_secret_sealed = $2 WHERE id = $1")
                .bind(id)
                .bind(sealed)
                .execute(&mut *tx)
                .await?;
        }
        tx.commit().await?;
        self.account(id).await
    }

    /// Deletes an account and its MCP servers; false when there was none.
    pub async fn delete_account(&self, id: &str) -> Result<bool, StoreError> {
        let mut tx = self.pool().begin().await?;
        sqlx::query("DELETE FROM mcp_servers WHERE account_id = $1")
            .bind(id)
            .execute(&mut *tx)
            .await?;
        let done = sqlx::query("DELETE FROM integrated_accounts WHERE id = $1")
            .bind(id)
            .execute(&mut *tx)
            .await?;
        tx.commit().await?;
        Ok(done.rows_affected() == 1)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn regions() -> Vec<String> {
        vec!["us".into(), "emea".into()]
    }

    fn account() -> NewAccount {
        NewAccount {
            name: "Acme".into(),
            location: BmsLocation::Region("us".into()),
            username: "api".into(),
            password: "pw".into(),
            tenant: "acme".into(),
            totp_secret: None,
        }
    }

    #[track_caller]
    fn check_invalid(change: impl FnOnce(&mut NewAccount), field: &str) {
        let mut new = account();
        change(&mut new);
        assert_eq!(new.validate(&regions()).unwrap_err().field, field);
    }

    #[test]
    fn each_invalid_field_is_named() {
        assert!(account().validate(&regions()).is_ok());
        check_invalid(|a| a.name = " ".into(), "name");
        check_invalid(
            |a| a.location = BmsLocation::Region("mars".into()),
            "region",
        );
        check_invalid(
            |a| a.location = BmsLocation::BaseUrl("ftp://x".into()),
            "base_url",
        );
        check_invalid(|a| a.username = String::new(), "username");
        check_invalid(|a| a.password = String::new(), "password");
        check_invalid(|a| a.tenant = String::new(), "tenant");
        check_invalid(
            |a| a.totp_secret = Some("not base32!".into()),
            "totp_secret",
        );
    }
}
