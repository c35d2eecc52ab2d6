//! `/metrics`: the Prometheus text an operator alerts on.

mod common;

use common::Harness;
use serde_json::json;

#[tokio::test]
async fn audit_rows_written_and_dropped_are_counted() {
    let h = Harness::start().await;
    assert_eq!(h.metric("bms_mcp_audit_rows_dropped_total").await, Some(0));
    let written_before = h
        .metric("bms_mcp_audit_rows_written_total")
        .await
        .expect("written counter listed");
    for _ in 0..3 {
        let result = h.call("list_all_kaseya_bms_queues_lookup", json!({})).await;
        assert_eq!(result["isError"], false, "{result}");
    }
    h.call_log.flush().await;
    assert_eq!(
        h.metric("bms_mcp_audit_rows_written_total").await,
        Some(written_before + 3)
    );
    assert_eq!(h.metric("bms_mcp_audit_rows_dropped_total").await, Some(0));
    let text = h.metrics().await;
    assert!(
        text.contains("# TYPE bms_mcp_audit_rows_dropped_total counter"),
        "{text}"
    );
}
