-- The token registry again, with small index granules: tokens_v1 (002) keeps 8,192 rows
-- per granule, so reading one token (token detail, family, a revocation by token)
-- deserialised the argMax states of 8,192 tokens: ~15 ms per lookup on the embedded
-- engine. With 256 rows per granule a lookup reads 256; scans (estimates, detectors)
-- read the same rows with more marks. Same columns and views, new names; the API and the
-- BI view read tokens_v2 from here on, and 010 drops tokens_v1.
--
-- Run with ingest stopped (tokenwatch applies migrations at start, before it accepts
-- events): a usage or lifecycle insert between the copy and the new views would reach
-- only tokens_v1.
CREATE TABLE IF NOT EXISTS tokens_v2
(
    token_fingerprint String,
    token_type        AggregateFunction(argMax, String, DateTime64(3, 'UTC')),
    app_id            AggregateFunction(argMax, String, DateTime64(3, 'UTC')),
    client_id         AggregateFunction(argMax, String, DateTime64(3, 'UTC')),
    user_id           AggregateFunction(argMax, String, DateTime64(3, 'UTC')),
    grant_type        AggregateFunction(argMax, String, DateTime64(3, 'UTC')),
    jti               AggregateFunction(argMax, String, DateTime64(3, 'UTC')),
    iss               AggregateFunction(argMax, String, DateTime64(3, 'UTC')),
    mapped_from       AggregateFunction(argMax, String, DateTime64(3, 'UTC')),
    rotated_from      AggregateFunction(argMax, String, DateTime64(3, 'UTC')),
    family_id         AggregateFunction(argMax, String, DateTime64(3, 'UTC')),
    scopes            AggregateFunction(argMax, Array(String), DateTime64(3, 'UTC')),
    expires_at        AggregateFunction(argMax, DateTime64(3, 'UTC'), DateTime64(3, 'UTC')),
    revoke_source     AggregateFunction(argMax, String, DateTime64(3, 'UTC')),
    revoke_reason     AggregateFunction(argMax, String, DateTime64(3, 'UTC')),
    issued_at         SimpleAggregateFunction(min, Nullable(DateTime64(3, 'UTC'))),
    revoked_at        SimpleAggregateFunction(min, Nullable(DateTime64(3, 'UTC'))),
    rotated_at        SimpleAggregateFunction(min, Nullable(DateTime64(3, 'UTC'))),
    expired_at        SimpleAggregateFunction(min, Nullable(DateTime64(3, 'UTC'))),
    first_seen        SimpleAggregateFunction(min, Nullable(DateTime64(3, 'UTC'))),
    last_seen         SimpleAggregateFunction(max, Nullable(DateTime64(3, 'UTC'))),
    requests          SimpleAggregateFunction(sum, UInt64),
    lifecycle_events  SimpleAggregateFunction(sum, UInt64)
)
ENGINE = AggregatingMergeTree
ORDER BY token_fingerprint
SETTINGS index_granularity = 256, non_replicated_deduplication_window = 10000;

-- The copy. Guarded so a rerun after a failure part-way does not add every row twice.
INSERT INTO tokens_v2 (token_fingerprint, token_type, app_id, client_id, user_id, grant_type, jti, iss, mapped_from, rotated_from, family_id, scopes, expires_at, revoke_source, revoke_reason, issued_at, revoked_at, rotated_at, expired_at, first_seen, last_seen, requests, lifecycle_events)
SELECT token_fingerprint, token_type, app_id, client_id, user_id, grant_type, jti, iss, mapped_from, rotated_from, family_id, scopes, expires_at, revoke_source, revoke_reason, issued_at, revoked_at, rotated_at, expired_at, first_seen, last_seen, requests, lifecycle_events
FROM tokens_v1
WHERE (SELECT count() FROM tokens_v2) = 0;

CREATE MATERIALIZED VIEW IF NOT EXISTS tokens_v2_from_token_events_mv TO tokens_v2 AS
SELECT
    token_fingerprint,
    argMaxStateIf(toString(token_type), ts, token_type != '') AS token_type,
    argMaxStateIf(toString(app_id), ts, app_id != '') AS app_id,
    argMaxStateIf(toString(client_id), ts, client_id != '') AS client_id,
    argMaxStateIf(user_id, ts, user_id != '') AS user_id,
    argMaxStateIf(toString(grant_type), ts, grant_type != '') AS grant_type,
    argMaxStateIf(jti, ts, jti != '') AS jti,
    argMaxStateIf(toString(iss), ts, iss != '') AS iss,
    argMaxStateIf(mapped_from, ts, mapped_from != '') AS mapped_from,
    argMaxStateIf(rotated_from, ts, rotated_from != '') AS rotated_from,
    argMaxStateIf(family_id, ts, family_id != '') AS family_id,
    argMaxStateIf(CAST(scopes, 'Array(String)'), ts, notEmpty(scopes)) AS scopes,
    argMaxStateIf(assumeNotNull(expires_at), ts, expires_at IS NOT NULL) AS expires_at,
    argMaxStateIf(toString(source), ts, event = 'revoked') AS revoke_source,
    argMaxStateIf(reason, ts, event = 'revoked') AS revoke_reason,
    min(if(event IN ('issued', 'refreshed'), coalesce(issued_at, ts), NULL)) AS issued_at,
    min(if(event = 'revoked', ts, NULL)) AS revoked_at,
    CAST(NULL, 'Nullable(DateTime64(3, \'UTC\'))') AS rotated_at,
    min(if(event = 'expired', ts, NULL)) AS expired_at,
    toUInt64(count()) AS lifecycle_events
FROM token_events
GROUP BY token_fingerprint;

CREATE MATERIALIZED VIEW IF NOT EXISTS tokens_v2_rotated_mv TO tokens_v2 AS
SELECT
    rotated_from AS token_fingerprint,
    min(ts) AS rotated_at
FROM token_events
WHERE event = 'refreshed' AND rotated_from != ''
GROUP BY rotated_from;

CREATE MATERIALIZED VIEW IF NOT EXISTS tokens_v2_from_usage_mv TO tokens_v2 AS
SELECT
    token_fingerprint,
    argMaxStateIf(toString(token_type), ts, token_type != '') AS token_type,
    argMaxStateIf(toString(app_id), ts, app_id != '') AS app_id,
    argMaxStateIf(toString(client_id), ts, client_id != '') AS client_id,
    argMaxStateIf(user_id, ts, user_id != '') AS user_id,
    argMaxStateIf(jti, ts, jti != '') AS jti,
    argMaxStateIf(toString(iss), ts, iss != '') AS iss,
    argMaxStateIf(CAST(scopes, 'Array(String)'), ts, notEmpty(scopes)) AS scopes,
    argMaxStateIf(toDateTime64(assumeNotNull(token_expires_at), 3, 'UTC'), ts, token_expires_at IS NOT NULL) AS expires_at,
    min(ts) AS first_seen,
    max(ts) AS last_seen,
    toUInt64(count()) AS requests
FROM usage_events
GROUP BY token_fingerprint;

DROP VIEW IF EXISTS tokens_from_token_events_mv;
DROP VIEW IF EXISTS tokens_rotated_mv;
DROP VIEW IF EXISTS tokens_from_usage_mv;

-- The API reads v_token_stats with a filter on token_fingerprint, which the engine pushes
-- into the aggregation (one granule read), so 007's parameterized view is not needed.
DROP VIEW IF EXISTS token_registry;

-- v_token_stats (004) over tokens_v2: the same columns.
CREATE OR REPLACE VIEW v_token_stats AS
SELECT
    *,
    multiIf(
        revoked_at IS NOT NULL, 'revoked',
        expired_at IS NOT NULL OR (expires_at IS NOT NULL AND expires_at < now64(3)), 'expired',
        rotated_at IS NOT NULL, 'rotated',
        requests > 0, 'active',
        'issued') AS state
FROM
(
    SELECT
        t.token_fingerprint AS token_fingerprint,
        argMaxMerge(t.token_type) AS token_type,
        argMaxMerge(t.app_id) AS app_id,
        argMaxMerge(t.client_id) AS client_id,
        argMaxMerge(t.user_id) AS user_id,
        argMaxMerge(t.grant_type) AS grant_type,
        argMaxMerge(t.jti) AS jti,
        argMaxMerge(t.iss) AS iss,
        argMaxMerge(t.mapped_from) AS mapped_from,
        argMaxMerge(t.rotated_from) AS rotated_from,
        if(argMaxMerge(t.family_id) = '', t.token_fingerprint, argMaxMerge(t.family_id)) AS family_id,
        argMaxMerge(t.scopes) AS scopes,
        nullIf(argMaxMerge(t.expires_at), toDateTime64(0, 3, 'UTC')) AS expires_at,
        argMaxMerge(t.revoke_source) AS revoke_source,
        argMaxMerge(t.revoke_reason) AS revoke_reason,
        min(t.issued_at) AS issued_at,
        min(t.revoked_at) AS revoked_at,
        min(t.rotated_at) AS rotated_at,
        min(t.expired_at) AS expired_at,
        min(t.first_seen) AS first_seen,
        max(t.last_seen) AS last_seen,
        sum(t.requests) AS requests,
        sum(t.lifecycle_events) AS lifecycle_events
    FROM tokens_v2 AS t
    GROUP BY t.token_fingerprint
);
