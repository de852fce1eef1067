-- Rollups for the query API's hot reads (issue 3's benchmark targets), beside those of
-- 003, which they do not replace.

-- Per token, day and breakdown key: what token detail shows of a token's last 30 days
-- (IPs, countries, cities, networks, paths, status mix) without reading its raw rows.
-- One row per value of one breakdown: `kind` names it, its key columns hold the value and
-- the others their defaults. Filled by one GROUPING SETS aggregation per insert block.
-- Token detail adds the raw rows of the one partial day at the start of its window.
CREATE TABLE IF NOT EXISTS usage_token_breakdown_1d_v1
(
    token_fingerprint String,
    day               Date,
    kind              Enum8('ip' = 1, 'country' = 2, 'city' = 3, 'asn' = 4, 'path' = 5, 'status' = 6),
    ip                IPv6,
    country           LowCardinality(String),
    city              String,
    asn               UInt32,
    method            LowCardinality(String),
    path              String,
    status            UInt16,
    requests          SimpleAggregateFunction(sum, UInt64),
    errors            SimpleAggregateFunction(sum, UInt64),
    last_seen         SimpleAggregateFunction(max, DateTime64(3, 'UTC')),
    lat_sum           SimpleAggregateFunction(sum, Float64),
    lat_n             SimpleAggregateFunction(sum, UInt64),
    lon_sum           SimpleAggregateFunction(sum, Float64),
    lon_n             SimpleAggregateFunction(sum, UInt64),
    last_country      SimpleAggregateFunction(anyLast, String),
    last_city         SimpleAggregateFunction(anyLast, String),
    last_asn          SimpleAggregateFunction(anyLast, UInt32),
    last_asn_org      SimpleAggregateFunction(anyLast, String)
)
ENGINE = AggregatingMergeTree
PARTITION BY toYYYYMM(day)
ORDER BY (token_fingerprint, day, kind, ip, country, city, asn, method, path, status)
TTL day + toIntervalDay({{rollup_retention_days}})
SETTINGS non_replicated_deduplication_window = 10000;

CREATE MATERIALIZED VIEW IF NOT EXISTS usage_token_breakdown_1d_mv TO usage_token_breakdown_1d_v1 AS
SELECT
    token_fingerprint,
    toDate(ts) AS day,
    CAST(transform(grouping(ip, country, city, asn, method, path, status), [63, 95, 79, 119, 121, 126], [1, 2, 3, 4, 5, 6], 0)
         AS Enum8('ip' = 1, 'country' = 2, 'city' = 3, 'asn' = 4, 'path' = 5, 'status' = 6)) AS kind,
    ip,
    country,
    toString(city) AS city,
    asn,
    method,
    path,
    status,
    toUInt64(count()) AS requests,
    toUInt64(countIf(status >= 400)) AS errors,
    max(ts) AS last_seen,
    sum(toFloat64(ifNull(lat, 0))) AS lat_sum,
    toUInt64(count(lat)) AS lat_n,
    sum(toFloat64(ifNull(lon, 0))) AS lon_sum,
    toUInt64(count(lon)) AS lon_n,
    anyLast(toString(country)) AS last_country,
    anyLast(toString(city)) AS last_city,
    anyLast(asn) AS last_asn,
    anyLast(toString(asn_org)) AS last_asn_org
FROM usage_events
GROUP BY GROUPING SETS (
    (token_fingerprint, day, ip),
    (token_fingerprint, day, country),
    (token_fingerprint, day, country, city),
    (token_fingerprint, day, asn),
    (token_fingerprint, day, method, path),
    (token_fingerprint, day, status)
);
