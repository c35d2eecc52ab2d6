//! `/metrics`: the Prometheus text an operator alerts on.

mod common;

use common::Harness;
use serde_json::json;

async fn metrics(h: &Harness) -> String {
    h.http
        .get(h.url("/metrics"))
        .send()
        .await
        .expect("metrics answered")
        .text()
        .await
        .expect("text")
}

/// The value of an unlabelled sample, `None` when the metric is absent.
fn sample(text: &str, name: &str) -> Option<u64> {
    text.lines()
        .find_map(|line| line.strip_prefix(name)?.strip_prefix(' ')?.parse().ok())
}

#[tokio::test]
async fn audit_rows_written_and_dropped_are_counted() {
    let h = Harness::start().await;
    let before = metrics(&h).await;
    assert_eq!(sample(&before, "bms_mcp_audit_rows_dropped_total"), Some(0));
    let written_before =
        sample(&before, "bms_mcp_audit_rows_written_total").expect("written counter listed");
    for _ in 0..3 {
        let result = h.call("list_all_kaseya_bms_queues_lookup", json!({})).await;
        assert_eq!(result["isError"], false, "{result}");
    }
    h.call_log.flush().await;
    let after = metrics(&h).await;
    assert_eq!(
        sample(&after, "bms_mcp_audit_rows_written_total"),
        Some(written_before + 3),
        "{after}"
    );
    assert_eq!(sample(&after, "bms_mcp_audit_rows_dropped_total"), Some(0));
    assert!(
        after.contains("# TYPE bms_mcp_audit_rows_dropped_total counter"),
        "{after}"
    );
}
