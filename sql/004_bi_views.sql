-- Read-only views for BI tools (Grafana, Metabase, Superset) and for the API itself.
-- Each finalises the aggregate states of a rollup into plain numbers.

-- Requests per minute by app, country and status class (1 = 1xx … 5 = 5xx, 0 = unknown).
CREATE VIEW IF NOT EXISTS v_usage_per_minute AS
SELECT
    minute,
    app_id,
    country,
    status_class,
    sum(requests) AS requests,
    sum(status_4xx) AS status_4xx,
    sum(status_5xx) AS status_5xx,
    sum(auth_failures) AS auth_failures,
    uniqMerge(tokens) AS tokens,
    uniqMerge(users) AS users,
    uniqMerge(ips) AS ips
FROM usage_app_1m_v1
GROUP BY minute, app_id, country, status_class;

-- One row per token: registry metadata, lifecycle state and usage totals.
-- state: revoked | expired | rotated (a refresh replaced it) | active (used) | issued.
CREATE VIEW IF NOT EXISTS v_token_stats AS
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
    FROM tokens_v1 AS t
    GROUP BY t.token_fingerprint
);

-- One row per application with its lifecycle state: blocked | active | registered.
CREATE VIEW IF NOT EXISTS v_apps AS
SELECT
    *,
    multiIf(
        blocked_at IS NOT NULL AND (unblocked_at IS NULL OR blocked_at > unblocked_at), 'blocked',
        first_active_at IS NOT NULL, 'active',
        'registered') AS state
FROM
(
    SELECT
        a.app_id AS app_id,
        argMaxMerge(a.name) AS name,
        argMaxMerge(a.owner) AS owner,
        min(a.registered_at) AS registered_at,
        min(a.first_active_at) AS first_active_at,
        max(a.last_seen) AS last_seen,
        max(a.blocked_at) AS blocked_at,
        max(a.unblocked_at) AS unblocked_at,
        argMaxMerge(a.block_reason) AS block_reason
    FROM apps_v1 AS a
    GROUP BY a.app_id
);

-- Requests per hour by app and country.
CREATE VIEW IF NOT EXISTS v_geo_breakdown AS
SELECT
    hour,
    app_id,
    value AS country,
    sum(requests) AS requests,
    sum(errors) AS errors,
    sum(auth_failures) AS auth_failures,
    uniqMerge(tokens) AS tokens
FROM usage_dim_1h_v1
WHERE dimension = 'country'
GROUP BY hour, app_id, country;
