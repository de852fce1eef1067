-- Revocation handles: the raw tokens some targets need (RFC 7009, 3scale, WSO2), only for
-- the token types a target lists, AES-256-GCM-encrypted under the vault key, bound to
-- their fingerprint, and gone at expiry (TTL) or once revoked.
CREATE TABLE IF NOT EXISTS revocation_handles
(
    token_fingerprint String,
    token_type        LowCardinality(String),
    sealed            String,
    expires_at        DateTime('UTC'),
    created_at        DateTime64(3, 'UTC')
)
ENGINE = ReplacingMergeTree(created_at)
ORDER BY token_fingerprint
TTL expires_at;

-- The revocation feed that gateways follow: every revoked fingerprint once it is revoked,
-- in the order tokenwatch learnt of it. Lifecycle `revoked` events from identity
-- providers enter through the view below; revocations tokenwatch performed are inserted
-- by the dispatcher.
CREATE TABLE IF NOT EXISTS revocation_feed
(
    recorded_at       DateTime64(3, 'UTC'),
    token_fingerprint String,
    revoked_at        DateTime64(3, 'UTC'),
    source            LowCardinality(String),
    reason            String,
    revocation_id     String
)
ENGINE = ReplacingMergeTree
ORDER BY (recorded_at, token_fingerprint)
SETTINGS non_replicated_deduplication_window = 10000;

CREATE MATERIALIZED VIEW IF NOT EXISTS revocation_feed_from_token_events_mv TO revocation_feed AS
SELECT
    received_at AS recorded_at,
    token_fingerprint,
    ts AS revoked_at,
    source,
    reason,
    '' AS revocation_id
FROM token_events
WHERE event = 'revoked';
