-- Tool-call rows lose their random text id, which nothing reads: each audited call then
-- adds to the table and one index (by time) instead of also to a unique index of ids, and
-- draws no random id. The rows are kept.
CREATE TABLE tool_calls_by_time (
    at BIGINT NOT NULL,
    mcp_server_id TEXT NOT NULL,
    subject TEXT,
    tool TEXT NOT NULL,
    upstream_status BIGINT,
    latency_ms BIGINT
);
INSERT INTO tool_calls_by_time (at, mcp_server_id, subject, tool, upstream_status, latency_ms)
    SELECT at, mcp_server_id, subject, tool, upstream_status, latency_ms FROM tool_calls;
DROP TABLE tool_calls;
ALTER TABLE tool_calls_by_time RENAME TO tool_calls;
CREATE INDEX tool_calls_at ON tool_calls (at);
