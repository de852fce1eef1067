-- The registry rows of given tokens, for the API: v_token_stats with the filter inside
-- the aggregation, so a lookup reads only those tokens' rows (a filter on the view is
-- applied after aggregating every token). Use: SELECT * FROM token_registry(fps = [...]).
CREATE VIEW IF NOT EXISTS token_registry AS
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
    WHERE t.token_fingerprint IN {fps:Array(String)}
    GROUP BY t.token_fingerprint
);
