//! A raised alert is published, as JSON, on the `housekeeping.alerts` pub/sub channel by the
//! housekeeper's default sinks.

mod common;

use common::hk::{self, DAY};
use tradestore::Store;
use tradestore::housekeeping::{ALERT_CHANNEL, Importance, StrategyKind};
use tradestore::kv::Kv;
use tradestore::records::AlertRecord;

#[test]
fn raised_alert_reaches_a_subscriber() -> common::TestResult {
    let dir = tempfile::tempdir()?;
    let root = dir.path();
    let store = Store::open(root)?;
    let sub = store.kv().subscribe(ALERT_CHANNEL)?;
    let clock = hk::clock();
    let h = hk::single("bot", Importance::High, StrategyKind::Time, &clock, 10.0);
    h.ensure_layout(&store)?;
    hk::file(root, "components/bot/logs/a", 990_000, &clock, DAY);
    let p = h.usage_pass(&store)?;
    assert_eq!(p.alerts.len(), 1);
    assert!(p.delivery_failures.is_empty(), "{:?}", p.delivery_failures);

    let msg = sub.try_recv().ok_or("no alert published")?;
    assert_eq!(msg.channel, "housekeeping.alerts");
    let got: AlertRecord = serde_json::from_slice(&msg.payload)?;
    assert_eq!(got, p.alerts[0]);
    assert_eq!(got.scope, "bot");
    assert!(sub.try_recv().is_none(), "published once");

    // Within the cooldown the alert is not raised again, so nothing more is published.
    assert!(h.usage_pass(&store)?.alerts.is_empty());
    assert!(sub.try_recv().is_none());
    Ok(())
}
