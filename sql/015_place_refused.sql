-- Requests the gateway refused as unauthenticated (401), per place, beside all requests.
-- A place where a token was only ever refused is not a place the credential was used
-- from: a client presenting its expired access token once before refreshing (through
-- whatever VPN exit it is on by then) is not travel, and an attacker's refused guesses must
-- not make their address a "known" place of the user they target. The location detectors
-- read places with requests > refused (issue 13). Rows written before this migration
-- have refused = 0: every request counted as accepted, as before.
ALTER TABLE usage_token_place_1h_v1 ADD COLUMN IF NOT EXISTS refused SimpleAggregateFunction(sum, UInt64) DEFAULT 0;
ALTER TABLE usage_principal_place_1h_v1 ADD COLUMN IF NOT EXISTS refused SimpleAggregateFunction(sum, UInt64) DEFAULT 0;

-- The views are replaced to count them (events inserted while this runs, during start-up
-- and before ingest opens, are none).
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
    if(user_id != '', concat('u:', user_id), concat('t:', token_fingerprint)) AS principal,
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
