-- Per principal, hour and place: where a user was seen, whatever token it used. Access
-- tokens live minutes to hours and rotate, so a fresh token's own place history is empty;
-- the location detectors compare it with the history of what it belongs to (issue 13).
-- principal is 'u:<user_id>', else 't:<token_fingerprint>' (a token without a user has
-- only its own history: an app's tokens are used all over the world, so an app's places
-- say nothing about one of its clients).
CREATE TABLE IF NOT EXISTS usage_principal_place_1h_v1
(
    principal         String,
    hour              DateTime('UTC'),
    country           LowCardinality(String),
    city              String,
    asn               UInt32,
    lat               SimpleAggregateFunction(anyLast, Nullable(Float32)),
    lon               SimpleAggregateFunction(anyLast, Nullable(Float32)),
    asn_org           SimpleAggregateFunction(anyLast, String),
    requests          SimpleAggregateFunction(sum, UInt64),
    first_seen        SimpleAggregateFunction(min, DateTime64(3, 'UTC')),
    last_seen         SimpleAggregateFunction(max, DateTime64(3, 'UTC'))
)
ENGINE = AggregatingMergeTree
PARTITION BY toYYYYMM(hour)
ORDER BY (principal, hour, country, city, asn)
TTL hour + toIntervalDay({{rollup_retention_days}})
SETTINGS non_replicated_deduplication_window = 10000;

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
    min(ts) AS first_seen,
    max(ts) AS last_seen
FROM usage_events
WHERE (country != '' OR asn != 0)
GROUP BY principal, hour, country, city, asn;

-- The history already in the warehouse, so baselines exist on the day this ships. Guarded
-- so a rerun after a failure part-way does not add every row twice.
INSERT INTO usage_principal_place_1h_v1 (principal, hour, country, city, asn, lat, lon, asn_org, requests, first_seen, last_seen)
SELECT
    if(user_id != '', concat('u:', user_id), concat('t:', token_fingerprint)) AS principal,
    toStartOfHour(ts) AS hour,
    country,
    toString(city) AS city,
    asn,
    anyLast(lat),
    anyLast(lon),
    anyLast(toString(asn_org)),
    toUInt64(count()),
    min(ts),
    max(ts)
FROM usage_events
WHERE (country != '' OR asn != 0)
  AND (SELECT count() FROM usage_principal_place_1h_v1) = 0
GROUP BY principal, hour, country, city, asn;
