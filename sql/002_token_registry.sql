-- Token lifecycle events from identity providers and gateways (POST /v1/tokens):
-- issued, refreshed (rotated_from: the refresh token it replaces), revoked, expired.
CREATE TABLE IF NOT EXISTS token_events
(
    event_id          String,
    event             LowCardinality(String),
    ts                DateTime64(3, 'UTC'),
    received_at       DateTime64(3, 'UTC'),
    token_fingerprint String,
    token_type        LowCardinality(String),
    jti               String,
    client_id         LowCardinality(String),
    app_id            LowCardinality(String),
    user_id           String,
    scopes            Array(LowCardinality(String)),
    grant_type        LowCardinality(String),
    issued_at         Nullable(DateTime64(3, 'UTC')),
    expires_at        Nullable(DateTime64(3, 'UTC')),
    mapped_from       String,
    rotated_from      String,
    family_id         String,
    source            LowCardinality(String),
    reason            String,
    iss               LowCardinality(String)
)
ENGINE = MergeTree
PARTITION BY toYYYYMM(ts)
ORDER BY (token_fingerprint, ts)
SETTINGS non_replicated_deduplication_window = 10000;

-- The token registry: one row per token after merges, fed by lifecycle events and by
-- usage. Descriptive fields keep their latest non-empty value (argMax by event time).
-- Read with the -Merge functions grouped by token_fingerprint (see src/query/tokens.ts);
-- an expires_at of 1970-01-01 means unknown.
CREATE TABLE IF NOT EXISTS tokens_v1
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
SETTINGS non_replicated_deduplication_window = 10000;

CREATE MATERIALIZED VIEW IF NOT EXISTS tokens_from_token_events_mv TO tokens_v1 AS
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

-- A refresh rotates the old token away: it must never be used again.
CREATE MATERIALIZED VIEW IF NOT EXISTS tokens_rotated_mv TO tokens_v1 AS
SELECT
    rotated_from AS token_fingerprint,
    min(ts) AS rotated_at
FROM token_events
WHERE event = 'refreshed' AND rotated_from != ''
GROUP BY rotated_from;

CREATE MATERIALIZED VIEW IF NOT EXISTS tokens_from_usage_mv TO tokens_v1 AS
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

-- Application lifecycle: registered, active (first token issued or used), blocked.
CREATE TABLE IF NOT EXISTS app_events
(
    event_id    String,
    event       LowCardinality(String),
    ts          DateTime64(3, 'UTC'),
    received_at DateTime64(3, 'UTC'),
    app_id      String,
    name        String,
    owner       String,
    source      LowCardinality(String),
    reason      String
)
ENGINE = MergeTree
ORDER BY (app_id, ts)
SETTINGS non_replicated_deduplication_window = 10000;

CREATE TABLE IF NOT EXISTS apps_v1
(
    app_id          String,
    name            AggregateFunction(argMax, String, DateTime64(3, 'UTC')),
    owner           AggregateFunction(argMax, String, DateTime64(3, 'UTC')),
    registered_at   SimpleAggregateFunction(min, Nullable(DateTime64(3, 'UTC'))),
    first_active_at SimpleAggregateFunction(min, Nullable(DateTime64(3, 'UTC'))),
    last_seen       SimpleAggregateFunction(max, Nullable(DateTime64(3, 'UTC'))),
    blocked_at      SimpleAggregateFunction(max, Nullable(DateTime64(3, 'UTC'))),
    unblocked_at    SimpleAggregateFunction(max, Nullable(DateTime64(3, 'UTC'))),
    block_reason    AggregateFunction(argMax, String, DateTime64(3, 'UTC'))
)
ENGINE = AggregatingMergeTree
ORDER BY app_id
SETTINGS non_replicated_deduplication_window = 10000;

CREATE MATERIALIZED VIEW IF NOT EXISTS apps_from_app_events_mv TO apps_v1 AS
SELECT
    app_id,
    argMaxStateIf(name, ts, name != '') AS name,
    argMaxStateIf(owner, ts, owner != '') AS owner,
    min(ts) AS registered_at,
    max(if(event = 'blocked', ts, NULL)) AS blocked_at,
    max(if(event = 'unblocked', ts, NULL)) AS unblocked_at,
    argMaxStateIf(reason, ts, event = 'blocked') AS block_reason
FROM app_events
GROUP BY app_id;

CREATE MATERIALIZED VIEW IF NOT EXISTS apps_from_token_events_mv TO apps_v1 AS
SELECT
    toString(app_id) AS app_id,
    min(ts) AS registered_at,
    min(if(event IN ('issued', 'refreshed'), ts, NULL)) AS first_active_at,
    max(ts) AS last_seen
FROM token_events
WHERE app_id != ''
GROUP BY app_id;

CREATE MATERIALIZED VIEW IF NOT EXISTS apps_from_usage_mv TO apps_v1 AS
SELECT
    toString(app_id) AS app_id,
    min(ts) AS registered_at,
    min(ts) AS first_active_at,
    max(ts) AS last_seen
FROM usage_events
WHERE app_id != ''
GROUP BY app_id;
