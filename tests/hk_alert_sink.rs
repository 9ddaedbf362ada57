//! Raised alerts go to every attached sink (the attach point for publishing on the
//! `housekeeping.alerts` channel), and a failing sink does not stop the others.

mod common;

use std::sync::{Arc, Mutex};

use common::hk::{self, DAY};
use tradestore::housekeeping::{ALERT_CHANNEL, AlertSink, Importance, StrategyKind};
use tradestore::records::AlertRecord;
use tradestore::{Error, Store};

#[derive(Default)]
struct Channel(Mutex<Vec<(String, AlertRecord)>>);

impl AlertSink for Channel {
    fn name(&self) -> &str {
        "test-channel"
    }
    fn deliver(&self, _: &Store, alert: &AlertRecord) -> tradestore::Result<()> {
        self.0.lock().unwrap().push((ALERT_CHANNEL.to_owned(), alert.clone()));
        Ok(())
    }
}

struct Broken;

impl AlertSink for Broken {
    fn name(&self) -> &str {
        "broken"
    }
    fn deliver(&self, _: &Store, _: &AlertRecord) -> tradestore::Result<()> {
        Err(Error::Unavailable("no subscribers backend".into()))
    }
}

#[test]
fn every_sink_gets_every_alert() -> common::TestResult {
    let dir = tempfile::tempdir()?;
    let root = dir.path();
    let store = Store::open(root)?;
    let clock = hk::clock();
    let channel = Arc::new(Channel::default());
    let h = hk::single("bot", Importance::High, StrategyKind::Time, &clock, 10.0)
        .with_sink(Arc::new(Broken))
        .with_sink(channel.clone());
    h.ensure_layout(&store)?;
    hk::file(root, "components/bot/logs/a", 990_000, &clock, DAY);
    let p = h.usage_pass(&store)?;
    assert_eq!(p.alerts.len(), 1);
    assert_eq!(p.delivery_failures.len(), 1);
    assert_eq!(p.delivery_failures[0].sink, "broken");
    let got = channel.0.lock().unwrap().clone();
    assert_eq!(got.len(), 1);
    assert_eq!(got[0].0, "housekeeping.alerts");
    assert_eq!(got[0].1, p.alerts[0]);
    assert_eq!(h.alerts(&store, i64::MAX, 10)?, p.alerts, "and it is stored");
    Ok(())
}
