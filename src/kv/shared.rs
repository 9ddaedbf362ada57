//! KV state shared by every handle of one open store: the cache, the subscribers, the sweeper
//! and (with the `redis` feature) the Redis connection state.

use super::cache::KvCache;
use super::pubsub::PubSub;
use super::sweeper::Sweeper;

pub(crate) struct KvShared {
    pub(crate) cache: KvCache,
    pub(crate) pubsub: std::sync::Arc<PubSub>,
    pub(crate) sweeper: Sweeper,
    #[cfg(feature = "redis")]
    pub(crate) redis: Option<std::sync::Arc<super::redis::RedisShared>>,
}

impl KvShared {
    pub(crate) fn new(config: &crate::store::Config) -> crate::Result<KvShared> {
        let pubsub = std::sync::Arc::new(PubSub::new(config.kv_pubsub_capacity));
        #[cfg(feature = "redis")]
        let redis = match config.redis_url.as_deref() {
            Some(url) => Some(std::sync::Arc::new(super::redis::RedisShared::new(
                url,
                config.redis_pool,
                pubsub.clone(),
            )?)),
            None => None,
        };
        #[cfg(feature = "redis")]
        let remote = redis.is_some();
        #[cfg(not(feature = "redis"))]
        let remote = false;
        let exclusive = config.concurrency == crate::Concurrency::Exclusive;
        Ok(KvShared {
            cache: KvCache::new(config.kv_cache_bytes, exclusive && !remote),
            pubsub,
            sweeper: Sweeper::default(),
            #[cfg(feature = "redis")]
            redis,
        })
    }

    /// Stops the background threads (sweeper, Redis subscriber).
    pub(crate) fn shutdown(&self) {
        self.sweeper.shutdown();
        #[cfg(feature = "redis")]
        if let Some(r) = &self.redis {
            r.shutdown();
        }
    }
}
