-- One row per API request seen by a gateway. Raw tokens never land here: only their
-- HMAC-SHA-256 fingerprint. Ordered by token then time for per-token reads (detectors,
-- token detail); the lightweight projection `by_app` indexes rows by app then time for
-- per-app reads. Partitioned by day so retention drops whole parts.
-- Replays of the spool after a crash carry an insert_deduplication_token; the
-- deduplication window makes the engine keep the first copy of each block.
CREATE TABLE IF NOT EXISTS usage_events
(
    event_id          String,
    ts                DateTime64(3, 'UTC'),
    received_at       DateTime64(3, 'UTC'),
    token_fingerprint String,
    token_type        LowCardinality(String),
    app_id            LowCardinality(String),
    client_id         LowCardinality(String),
    user_id           String,
    ip                IPv6,
    country           LowCardinality(String),
    city              LowCardinality(String),
    lat               Nullable(Float32),
    lon               Nullable(Float32),
    asn               UInt32,
    asn_org           LowCardinality(String),
    user_agent        String,
    method            LowCardinality(String),
    host              LowCardinality(String),
    path              String,
    status            UInt16,
    latency_ms        Nullable(Float32),
    bytes             Nullable(UInt64),
    gateway           LowCardinality(String),
    scopes            Array(LowCardinality(String)),
    jti               String,
    iss               LowCardinality(String),
    token_expires_at  Nullable(DateTime('UTC')),
    INDEX idx_ip ip TYPE bloom_filter GRANULARITY 4,
    INDEX idx_user user_id TYPE bloom_filter GRANULARITY 4,
    PROJECTION by_app (SELECT _part_offset ORDER BY app_id, ts)
)
ENGINE = MergeTree
PARTITION BY toDate(ts)
ORDER BY (token_fingerprint, ts)
TTL toDateTime(ts) + INTERVAL {{retention_days}} DAY
SETTINGS non_replicated_deduplication_window = 10000, ttl_only_drop_parts = 1;
