-- A token without a user belongs to its OAuth client: 'c:<client_id>' (issue 13). A
-- client-credentials access token lives an hour and is replaced by the next; its own place
-- history is empty, its client's is not. Long-lived keys (api_key, personal_access_token)
-- keep their own history ('t:<token_fingerprint>'): a key is its own principal, and the
-- keys of one integration may run in unrelated places. Users stay 'u:<user_id>'.
-- The token places rollup keeps each token's client and type, so the detectors can name a
-- token's principal from it. Rows written before this migration have neither: a token
-- they describe is its own principal, as before.
ALTER TABLE usage_token_place_1h_v1 ADD COLUMN IF NOT EXISTS client_id SimpleAggregateFunction(anyLast, String) DEFAULT '';
ALTER TABLE usage_token_place_1h_v1 ADD COLUMN IF NOT EXISTS token_type SimpleAggregateFunction(anyLast, String) DEFAULT '';

-- The views are replaced (events inserted while this runs, during start-up and before
-- ingest opens, are none).
DROP VIEW IF EXISTS usage_token_place_1h_mv;
CREATE MATERIALIZED VIEW IF NOT EXISTS usage_token_place_1h_mv TO usage_token_place_1h_v1 AS
SELECT
    token_fingerprint,
    toStartOfHour(ts) AS hour,
    country,
    toString(city) AS city,
    asn,
    anyLast(lat) AS lat,
    anyLast(lon) AS lon,
    anyLast(toString(asn_org)) AS asn_org,
    anyLast(replaceRegexpOne(IPv6NumToString(ip), '^::ffff:', '')) AS ip,
    anyLast(toString(app_id)) AS app_id,
    anyLast(user_id) AS user_id,
    anyLast(toString(client_id)) AS client_id,
    anyLast(toString(token_type)) AS token_type,
    toUInt64(count()) AS requests,
    toUInt64(countIf(status = 401)) AS refused,
    min(ts) AS first_seen,
    max(ts) AS last_seen
FROM usage_events
WHERE country != '' OR asn != 0
GROUP BY token_fingerprint, hour, country, city, asn;

DROP VIEW IF EXISTS usage_principal_place_1h_mv;
CREATE MATERIALIZED VIEW IF NOT EXISTS usage_principal_place_1h_mv TO usage_principal_place_1h_v1 AS
SELECT
    multiIf(user_id != '', concat('u:', user_id),
            client_id != '' AND token_type NOT IN ('api_key', 'personal_access_token'), concat('c:', toString(client_id)),
            concat('t:', token_fingerprint)) AS principal,
    toStartOfHour(ts) AS hour,
    country,
    toString(city) AS city,
    asn,
    anyLast(lat) AS lat,
    anyLast(lon) AS lon,
    anyLast(toString(asn_org)) AS asn_org,
    toUInt64(count()) AS requests,
    toUInt64(countIf(status = 401)) AS refused,
    min(ts) AS first_seen,
    max(ts) AS last_seen
FROM usage_events
WHERE (country != '' OR asn != 0)
GROUP BY principal, hour, country, city, asn;

-- The clients' history already in the warehouse, so their baselines exist on the day this
-- ships (those tokens' 't:' rows stay: nothing reads a principal no token maps to).
-- Guarded so a rerun after a failure part-way does not add every row twice.
INSERT INTO usage_principal_place_1h_v1 (principal, hour, country, city, asn, lat, lon, asn_org, requests, refused, first_seen, last_seen)
SELECT
    concat('c:', toString(client_id)) AS principal,
    toStartOfHour(ts) AS hour,
    country,
    toString(city) AS city,
    asn,
    anyLast(lat),
    anyLast(lon),
    anyLast(toString(asn_org)),
    toUInt64(count()),
    toUInt64(countIf(status = 401)),
    min(ts),
    max(ts)
FROM usage_events
WHERE (country != '' OR asn != 0)
  AND user_id = '' AND client_id != '' AND token_type NOT IN ('api_key', 'personal_access_token')
  AND (SELECT count() FROM usage_principal_place_1h_v1 WHERE startsWith(principal, 'c:')) = 0
GROUP BY principal, hour, country, city, asn;
