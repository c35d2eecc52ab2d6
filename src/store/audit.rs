//! The audit log: one row per admin action (who, what, on what, when) and one per tool call
//! (when, which MCP server, which tool, upstream status, latency). Never arguments, results
//! or secrets. Tool calls are queued on a bounded channel and written in batches by a
//! background task, so logging never slows a call; when the queue is full a row is dropped
//! and counted instead (`bms_mcp_audit_rows_dropped_total` on `/metrics`).

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use tokio::sync::{Notify, mpsc, oneshot};
use tokio::task::JoinHandle;

use super::{Placeholders, Store, StoreError, new_id, unix_now};

/// Who did an admin action.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Actor {
    /// The admin token's id; `None` for the CLI and the server itself.
    pub id: Option<String>,
    pub name: String,
}

impl Actor {
    /// The command line, acting directly on the store.
    pub fn cli() -> Actor {
        Actor {
            id: None,
            name: "cli".into(),
        }
    }

    /// The server itself (first run, expiry).
    pub fn system() -> Actor {
        Actor {
            id: None,
            name: "system".into(),
        }
    }
}

impl From<&super::AdminToken> for Actor {
    /// An admin token acting through the admin API or the console: the audit log's "who".
    fn from(admin: &super::AdminToken) -> Actor {
        Actor {
            id: Some(admin.id.clone()),
            name: admin.name.clone(),
        }
    }
}

/// One admin action as stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AdminAction {
    pub at: i64,
    pub actor_id: Option<String>,
    pub actor_name: String,
    pub action: String,
    pub target: Option<String>,
}

/// One tool call as stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ToolCall {
    pub at: i64,
    pub mcp_server_id: String,
    /// Who called: the OAuth subject (a user name); `None` on URL-token servers.
    pub subject: Option<String>,
    pub tool: String,
    pub upstream_status: Option<u16>,
    pub latency_ms: Option<u64>,
}

/// Queued tool calls beyond this many are dropped (and counted), never waited for. A row is
/// about 150 bytes queued, so a full queue holds about 5 MiB: enough for 1,000 sessions each
/// with a burst of 30 calls while the writer is busy, small enough to bound memory.
pub const TOOL_CALL_QUEUE: usize = 32_768;
/// Rows written per transaction. Under load the writer drains the queue in batches of this
/// size, so its cost per row falls as the backlog grows.
const BATCH: usize = 2048;
/// Rows per multi-row `INSERT`: 6 parameters each stays under SQLite's 32,766 and
/// PostgreSQL's 65,535 bind parameters per statement.
const ROWS_PER_INSERT: usize = 512;
/// How long the writer gathers rows before it writes them.
const LINGER: Duration = Duration::from_millis(100);

enum Message {
    Call(ToolCall),
    Flush(oneshot::Sender<()>),
}

/// The sending side of the tool-call log. Cheap to clone.
#[derive(Clone)]
pub struct ToolCallLog {
    queue: mpsc::Sender<Message>,
    /// Ends the writer's linger: a flush is waiting.
    flush_requested: Arc<Notify>,
    counts: Arc<RowCounts>,
}

/// What became of the rows queued so far.
#[derive(Default)]
struct RowCounts {
    written: AtomicU64,
    dropped: AtomicU64,
}

impl ToolCallLog {
    /// Starts the writer task; it ends once every `ToolCallLog` clone is dropped and the
    /// queue is written.
    pub fn start(store: Store) -> (ToolCallLog, JoinHandle<()>) {
        let (queue, receiver) = mpsc::channel(TOOL_CALL_QUEUE);
        let counts = Arc::new(RowCounts::default());
        let flush_requested = Arc::new(Notify::new());
        let task = tokio::spawn(write_tool_calls(
            store,
            receiver,
            flush_requested.clone(),
            counts.clone(),
        ));
        let log = ToolCallLog {
            queue,
            flush_requested,
            counts,
        };
        (log, task)
    }

    /// Queues one call; never waits.
    pub fn record(&self, call: ToolCall) {
        if self.queue.try_send(Message::Call(call)).is_err() {
            self.counts.dropped.fetch_add(1, Ordering::Relaxed);
        }
    }

    /// Tool-call rows dropped because the queue was full.
    pub fn dropped(&self) -> u64 {
        self.counts.dropped.load(Ordering::Relaxed)
    }

    /// Tool-call rows committed to the store.
    pub fn written(&self) -> u64 {
        self.counts.written.load(Ordering::Relaxed)
    }

    /// Waits until every call queued before this one is written.
    pub async fn flush(&self) {
        let (done, written) = oneshot::channel();
        if self.queue.send(Message::Flush(done)).await.is_ok() {
            self.flush_requested.notify_one();
            let _ = written.await;
        }
    }
}

async fn write_tool_calls(
    store: Store,
    mut receiver: mpsc::Receiver<Message>,
    flush_requested: Arc<Notify>,
    counts: Arc<RowCounts>,
) {
    let mut reported_drops = 0;
    while let Some(first) = receiver.recv().await {
        let mut calls = Vec::new();
        let mut flushed = Vec::new();
        // Linger a little after the first row so a steady trickle of calls shares one
        // transaction instead of paying a commit each. The writer sleeps meanwhile instead of
        // waking for every row (a timer and a wake-up per queued call were a visible share of
        // each call's CPU); a flush wakes it at once.
        if matches!(first, Message::Call(_)) {
            tokio::select! {
                () = tokio::time::sleep(LINGER) => {}
                () = flush_requested.notified() => {}
            }
        }
        let mut next = Some(first);
        while let Some(message) = next {
            match message {
                Message::Call(call) => calls.push(call),
                Message::Flush(done) => flushed.push(done),
            }
            next = if calls.len() < BATCH {
                receiver.try_recv().ok()
            } else {
                None
            };
        }
        match store.insert_tool_calls(&calls).await {
            Ok(()) => {
                counts
                    .written
                    .fetch_add(calls.len() as u64, Ordering::Relaxed);
            }
            Err(error) => {
                tracing::warn!(%error, rows = calls.len(), "could not write tool calls to the audit log");
            }
        }
        for done in flushed {
            let _ = done.send(());
        }
        let drops = counts.dropped.load(Ordering::Relaxed);
        if drops > reported_drops {
            tracing::warn!(
                dropped = drops,
                "audit log queue was full; tool-call rows were dropped"
            );
            reported_drops = drops;
        }
    }
}

/// The row counts one `INSERT` holds, largest first. A batch is written as chunks of these
/// sizes only, so each statement's text is one of four and stays in the connection's
/// prepared-statement cache: preparing a fresh multi-row statement for every batch's exact
/// size was about a fifth of a proxied call's instructions (SQLite's parser) at a steady
/// trickle of calls.
const CHUNK_SIZES: [usize; 4] = [ROWS_PER_INSERT, 64, 8, 1];

/// `calls` cut greedily into chunks whose lengths are all in `CHUNK_SIZES`, each with its
/// `INSERT` statement spelled for the store's database.
fn insert_chunks(
    calls: &[ToolCall],
    placeholders: Placeholders,
) -> impl Iterator<Item = (&'static str, &[ToolCall])> {
    type Statements = std::sync::OnceLock<[String; CHUNK_SIZES.len()]>;
    static NUMBERED: Statements = Statements::new();
    static ANONYMOUS: Statements = Statements::new();
    let cache = match placeholders {
        Placeholders::Numbered => &NUMBERED,
        Placeholders::Anonymous => &ANONYMOUS,
    };
    let statements =
        cache.get_or_init(|| CHUNK_SIZES.map(|rows| write_insert_sql(rows, placeholders)));
    let mut rest = calls;
    std::iter::from_fn(move || {
        let index = CHUNK_SIZES.iter().position(|&size| size <= rest.len())?;
        let (chunk, tail) = rest.split_at(CHUNK_SIZES[index]);
        rest = tail;
        Some((statements[index].as_str(), chunk))
    })
}

/// Parameters of one tool-call row.
const ROW_PARAMETERS: usize = 6;

/// `INSERT INTO tool_calls … VALUES ($1, …, $6), ($7, …)` (or `(?, …, ?), (?, …)`) for
/// `rows` rows.
fn write_insert_sql(rows: usize, placeholders: Placeholders) -> String {
    let mut sql = String::from(
        "INSERT INTO tool_calls (at, mcp_server_id, subject, tool, upstream_status, latency_ms) VALUES ",
    );
    for row in 0..rows {
        sql.push_str(if row > 0 { ", (" } else { "(" });
        placeholders.push_list(&mut sql, row * ROW_PARAMETERS + 1, ROW_PARAMETERS);
        sql.push(')');
    }
    sql
}

/// Deletes audit rows older than `days` now and then every hour, until aborted.
pub fn spawn_retention(store: Store, days: u32) -> JoinHandle<()> {
    tokio::spawn(async move {
        let mut hourly = tokio::time::interval(Duration::from_secs(3600));
        loop {
            hourly.tick().await;
            let cutoff = unix_now() - i64::from(days) * 86_400;
            match store.prune_audit(cutoff).await {
                Ok(0) => {}
                Ok(rows) => tracing::info!(rows, days, "pruned the audit log"),
                Err(error) => tracing::warn!(%error, "could not prune the audit log"),
            }
            // Expired OAuth codes and tokens open nothing; they are only kept until here.
            if let Err(error) = store.prune_oauth(unix_now()).await {
                tracing::warn!(%error, "could not delete expired OAuth codes and tokens");
            }
        }
    })
}

impl Store {
    /// Records one admin action.
    pub async fn record_admin_action(
        &self,
        actor: &Actor,
        action: &str,
        target: Option<&str>,
    ) -> Result<(), StoreError> {
        sqlx::query(
            "INSERT INTO admin_actions (id, at, actor_id, actor_name, action, target) \
             VALUES ($1, $2, $3, $4, $5, $6)",
        )
        .bind(new_id())
        .bind(unix_now())
        .bind(actor.id.as_deref())
        .bind(&actor.name)
        .bind(action)
        .bind(target)
        .execute(self.pool())
        .await?;
        Ok(())
    }

    /// Writes `calls` in one transaction, many rows per statement: a statement per row would
    /// cost a round trip to the database (or to sqlx's SQLite worker thread) each, which is
    /// what made the writer fall behind a burst of calls.
    async fn insert_tool_calls(&self, calls: &[ToolCall]) -> Result<(), StoreError> {
        if calls.is_empty() {
            return Ok(());
        }
        let mut tx = self.pool().begin().await?;
        for (sql, chunk) in insert_chunks(calls, self.placeholders()) {
            let mut query = sqlx::query(sql);
            for call in chunk {
                query = query
                    .bind(call.at)
                    .bind(call.mcp_server_id.as_str())
                    .bind(call.subject.as_deref())
                    .bind(call.tool.as_str())
                    .bind(call.upstream_status.map(i64::from))
                    .bind(
                        call.latency_ms
                            .map(|ms| i64::try_from(ms).unwrap_or(i64::MAX)),
                    );
            }
            query.execute(&mut *tx).await?;
        }
        tx.commit().await?;
        Ok(())
    }

    /// The latest admin actions, newest first.
    pub async fn admin_actions(&self, limit: i64) -> Result<Vec<AdminAction>, StoreError> {
        type Row = (i64, Option<String>, String, String, Option<String>);
        let rows: Vec<Row> = sqlx::query_as(
            "SELECT at, actor_id, actor_name, action, target FROM admin_actions \
             ORDER BY at DESC, id LIMIT $1",
        )
        .bind(limit)
        .fetch_all(self.pool())
        .await?;
        Ok(rows
            .into_iter()
            .map(|(at, actor_id, actor_name, action, target)| AdminAction {
                at,
                actor_id,
                actor_name,
                action,
                target,
            })
            .collect())
    }

    /// The latest tool calls, newest first.
    pub async fn tool_calls(&self, limit: i64) -> Result<Vec<ToolCall>, StoreError> {
        type Row = (
            i64,
            String,
            Option<String>,
            String,
            Option<i64>,
            Option<i64>,
        );
        let rows: Vec<Row> = sqlx::query_as(
            "SELECT at, mcp_server_id, subject, tool, upstream_status, latency_ms FROM tool_calls \
             ORDER BY at DESC LIMIT $1",
        )
        .bind(limit)
        .fetch_all(self.pool())
        .await?;
        Ok(rows
            .into_iter()
            .map(
                |(at, mcp_server_id, subject, tool, status, latency)| ToolCall {
                    at,
                    mcp_server_id,
                    subject,
                    tool,
                    upstream_status: status.and_then(|s| u16::try_from(s).ok()),
                    latency_ms: latency.and_then(|ms| u64::try_from(ms).ok()),
                },
            )
            .collect())
    }

    /// When each of these MCP servers last had a tool call logged (unix seconds); servers
    /// with none in the log (or none since its retention) are absent.
    pub async fn last_tool_call_at(
        &self,
        server_ids: &[String],
    ) -> Result<std::collections::HashMap<String, i64>, StoreError> {
        if server_ids.is_empty() {
            return Ok(std::collections::HashMap::new());
        }
        let mut sql =
            String::from("SELECT mcp_server_id, MAX(at) FROM tool_calls WHERE mcp_server_id IN (");
        self.placeholders().push_list(&mut sql, 1, server_ids.len());
        sql.push_str(") GROUP BY mcp_server_id");
        let mut query = sqlx::query_as::<_, (String, i64)>(&sql);
        for id in server_ids {
            query = query.bind(id);
        }
        Ok(query.fetch_all(self.pool()).await?.into_iter().collect())
    }

    /// Deletes audit rows from before `cutoff` (unix seconds); how many.
    pub async fn prune_audit(&self, cutoff: i64) -> Result<u64, StoreError> {
        let actions = sqlx::query("DELETE FROM admin_actions WHERE at < $1")
            .bind(cutoff)
            .execute(self.pool())
            .await?;
        let calls = sqlx::query("DELETE FROM tool_calls WHERE at < $1")
            .bind(cutoff)
            .execute(self.pool())
            .await?;
        Ok(actions.rows_affected() + calls.rows_affected())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn calls(n: usize) -> Vec<ToolCall> {
        let call = ToolCall {
            at: 0,
            mcp_server_id: "s".into(),
            subject: None,
            tool: "t".into(),
            upstream_status: None,
            latency_ms: None,
        };
        vec![call; n]
    }

    #[test]
    fn batches_are_cut_into_the_few_statement_sizes_that_stay_prepared() {
        for placeholders in [Placeholders::Numbered, Placeholders::Anonymous] {
            for n in [0, 1, 7, 8, 9, 63, 64, 100, 511, 512, 513, 2048, 2047] {
                let rows = calls(n);
                let chunks: Vec<(&str, usize)> = insert_chunks(&rows, placeholders)
                    .map(|(sql, chunk)| (sql, chunk.len()))
                    .collect();
                assert_eq!(chunks.iter().map(|(_, len)| len).sum::<usize>(), n);
                for (sql, len) in &chunks {
                    assert!(CHUNK_SIZES.contains(len), "{n} rows: a chunk of {len}");
                    assert_eq!(sql.matches('(').count(), len + 1, "{n} rows");
                }
            }
            // At most (size ratio − 1) chunks of each smaller size.
            assert_eq!(insert_chunks(&calls(511), placeholders).count(), 7 + 7 + 7);
        }
    }

    #[test]
    fn each_database_gets_its_own_placeholders() {
        let columns = "INSERT INTO tool_calls (at, mcp_server_id, subject, tool, upstream_status, latency_ms) VALUES ";
        assert_eq!(
            write_insert_sql(2, Placeholders::Numbered),
            format!("{columns}($1, $2, $3, $4, $5, $6), ($7, $8, $9, $10, $11, $12)")
        );
        assert_eq!(
            write_insert_sql(2, Placeholders::Anonymous),
            format!("{columns}(?, ?, ?, ?, ?, ?), (?, ?, ?, ?, ?, ?)")
        );
        let big = write_insert_sql(CHUNK_SIZES[0], Placeholders::Numbered);
        assert!(big.ends_with(&format!("${})", CHUNK_SIZES[0] * ROW_PARAMETERS)));
        let big = write_insert_sql(CHUNK_SIZES[0], Placeholders::Anonymous);
        assert_eq!(big.matches('?').count(), CHUNK_SIZES[0] * ROW_PARAMETERS);
        assert!(!big.contains('$'));
    }
}
