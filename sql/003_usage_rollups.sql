-- Rollups of usage_events, filled by materialized views at insert time, so that API
-- reads and detector baselines cost what their window costs, not what history costs.
-- They keep {{rollup_retention_days}} days, longer than the raw table: baselines need history.

-- Per token and minute: the detectors' baselines, token time series.
CREATE TABLE IF NOT EXISTS usage_token_1m_v1
(
    token_fingerprint String,
    minute            DateTime('UTC'),
    app_id            SimpleAggregateFunction(anyLast, String),
    user_id           SimpleAggregateFunction(anyLast, String),
    requests          SimpleAggregateFunction(sum, UInt64),
    status_4xx        SimpleAggregateFunction(sum, UInt64),
    status_5xx        SimpleAggregateFunction(sum, UInt64),
    auth_failures     SimpleAggregateFunction(sum, UInt64),
    ips               AggregateFunction(uniq, IPv6),
    countries         AggregateFunction(uniq, String),
    asns              AggregateFunction(uniq, UInt32),
    first_seen        SimpleAggregateFunction(min, DateTime64(3, 'UTC')),
    last_seen         SimpleAggregateFunction(max, DateTime64(3, 'UTC'))
)
ENGINE = AggregatingMergeTree
PARTITION BY toYYYYMM(minute)
ORDER BY (token_fingerprint, minute)
TTL minute + toIntervalDay({{rollup_retention_days}})
SETTINGS non_replicated_deduplication_window = 10000;

CREATE MATERIALIZED VIEW IF NOT EXISTS usage_token_1m_mv TO usage_token_1m_v1 AS
SELECT
    token_fingerprint,
    toStartOfMinute(ts) AS minute,
    anyLast(toString(app_id)) AS app_id,
    anyLast(user_id) AS user_id,
    toUInt64(count()) AS requests,
    toUInt64(countIf(status BETWEEN 400 AND 499)) AS status_4xx,
    toUInt64(countIf(status >= 500)) AS status_5xx,
    toUInt64(countIf(status IN (401, 403))) AS auth_failures,
    uniqState(ip) AS ips,
    uniqStateIf(toString(country), country != '') AS countries,
    uniqStateIf(asn, asn != 0) AS asns,
    min(ts) AS first_seen,
    max(ts) AS last_seen
FROM usage_events
GROUP BY token_fingerprint, minute;

-- Per token and day: totals and top tokens over long ranges. Filled from the minute
-- rollup, so it costs a fraction of a raw insert.
CREATE TABLE IF NOT EXISTS usage_token_1d_v1
(
    token_fingerprint String,
    day               Date,
    app_id            SimpleAggregateFunction(anyLast, String),
    user_id           SimpleAggregateFunction(anyLast, String),
    requests          SimpleAggregateFunction(sum, UInt64),
    status_4xx        SimpleAggregateFunction(sum, UInt64),
    status_5xx        SimpleAggregateFunction(sum, UInt64),
    auth_failures     SimpleAggregateFunction(sum, UInt64),
    ips               AggregateFunction(uniq, IPv6),
    countries         AggregateFunction(uniq, String),
    asns              AggregateFunction(uniq, UInt32),
    first_seen        SimpleAggregateFunction(min, DateTime64(3, 'UTC')),
    last_seen         SimpleAggregateFunction(max, DateTime64(3, 'UTC'))
)
ENGINE = AggregatingMergeTree
PARTITION BY toYYYYMM(day)
ORDER BY (day, token_fingerprint)
TTL day + toIntervalDay({{rollup_retention_days}})
SETTINGS non_replicated_deduplication_window = 10000;

CREATE MATERIALIZED VIEW IF NOT EXISTS usage_token_1d_mv TO usage_token_1d_v1 AS
SELECT
    token_fingerprint,
    toDate(minute) AS day,
    anyLast(app_id) AS app_id,
    anyLast(user_id) AS user_id,
    sum(requests) AS requests,
    sum(status_4xx) AS status_4xx,
    sum(status_5xx) AS status_5xx,
    sum(auth_failures) AS auth_failures,
    uniqMergeState(ips) AS ips,
    uniqMergeState(countries) AS countries,
    uniqMergeState(asns) AS asns,
    min(first_seen) AS first_seen,
    max(last_seen) AS last_seen
FROM usage_token_1m_v1
GROUP BY token_fingerprint, day;

-- Per app, minute, country and status class: app time series, country and status filters.
CREATE TABLE IF NOT EXISTS usage_app_1m_v1
(
    app_id        String,
    minute        DateTime('UTC'),
    country       LowCardinality(String),
    status_class  UInt8,
    requests      SimpleAggregateFunction(sum, UInt64),
    status_4xx    SimpleAggregateFunction(sum, UInt64),
    status_5xx    SimpleAggregateFunction(sum, UInt64),
    auth_failures SimpleAggregateFunction(sum, UInt64),
    tokens        AggregateFunction(uniq, String),
    users         AggregateFunction(uniq, String),
    ips           AggregateFunction(uniq, IPv6),
    latency_ms    AggregateFunction(quantilesTDigest(0.5, 0.95, 0.99), Float32)
)
ENGINE = AggregatingMergeTree
PARTITION BY toYYYYMM(minute)
ORDER BY (app_id, minute, country, status_class)
TTL minute + toIntervalDay({{rollup_retention_days}})
SETTINGS non_replicated_deduplication_window = 10000;

CREATE MATERIALIZED VIEW IF NOT EXISTS usage_app_1m_mv TO usage_app_1m_v1 AS
SELECT
    toString(app_id) AS app_id,
    toStartOfMinute(ts) AS minute,
    country,
    toUInt8(intDiv(status, 100)) AS status_class,
    toUInt64(count()) AS requests,
    toUInt64(countIf(status BETWEEN 400 AND 499)) AS status_4xx,
    toUInt64(countIf(status >= 500)) AS status_5xx,
    toUInt64(countIf(status IN (401, 403))) AS auth_failures,
    uniqState(token_fingerprint) AS tokens,
    uniqStateIf(user_id, user_id != '') AS users,
    uniqState(ip) AS ips,
    quantilesTDigestStateIf(0.5, 0.95, 0.99)(assumeNotNull(latency_ms), latency_ms IS NOT NULL) AS latency_ms
FROM usage_events
GROUP BY app_id, minute, country, status_class;

-- Per user and minute: user time series and user-level detectors.
CREATE TABLE IF NOT EXISTS usage_user_1m_v1
(
    user_id       String,
    minute        DateTime('UTC'),
    app_id        SimpleAggregateFunction(anyLast, String),
    requests      SimpleAggregateFunction(sum, UInt64),
    status_4xx    SimpleAggregateFunction(sum, UInt64),
    status_5xx    SimpleAggregateFunction(sum, UInt64),
    auth_failures SimpleAggregateFunction(sum, UInt64),
    tokens        AggregateFunction(uniq, String),
    ips           AggregateFunction(uniq, IPv6),
    countries     AggregateFunction(uniq, String),
    asns          AggregateFunction(uniq, UInt32),
    first_seen    SimpleAggregateFunction(min, DateTime64(3, 'UTC')),
    last_seen     SimpleAggregateFunction(max, DateTime64(3, 'UTC'))
)
ENGINE = AggregatingMergeTree
PARTITION BY toYYYYMM(minute)
ORDER BY (user_id, minute)
TTL minute + toIntervalDay({{rollup_retention_days}})
SETTINGS non_replicated_deduplication_window = 10000;

CREATE MATERIALIZED VIEW IF NOT EXISTS usage_user_1m_mv TO usage_user_1m_v1 AS
SELECT
    user_id,
    toStartOfMinute(ts) AS minute,
    anyLast(toString(app_id)) AS app_id,
    toUInt64(count()) AS requests,
    toUInt64(countIf(status BETWEEN 400 AND 499)) AS status_4xx,
    toUInt64(countIf(status >= 500)) AS status_5xx,
    toUInt64(countIf(status IN (401, 403))) AS auth_failures,
    uniqState(token_fingerprint) AS tokens,
    uniqState(ip) AS ips,
    uniqStateIf(toString(country), country != '') AS countries,
    uniqStateIf(asn, asn != 0) AS asns,
    min(ts) AS first_seen,
    max(ts) AS last_seen
FROM usage_events
WHERE user_id != ''
GROUP BY user_id, minute;

-- Per hour, app and value of one dimension (app, user, ip, asn, country): the top lists.
CREATE TABLE IF NOT EXISTS usage_dim_1h_v1
(
    dimension     LowCardinality(String),
    hour          DateTime('UTC'),
    app_id        String,
    value         String,
    label         SimpleAggregateFunction(anyLast, String),
    requests      SimpleAggregateFunction(sum, UInt64),
    errors        SimpleAggregateFunction(sum, UInt64),
    auth_failures SimpleAggregateFunction(sum, UInt64),
    tokens        AggregateFunction(uniq, String)
)
ENGINE = AggregatingMergeTree
PARTITION BY toYYYYMM(hour)
ORDER BY (dimension, hour, app_id, value)
TTL hour + toIntervalDay({{rollup_retention_days}})
SETTINGS non_replicated_deduplication_window = 10000;

CREATE MATERIALIZED VIEW IF NOT EXISTS usage_dim_1h_mv TO usage_dim_1h_v1 AS
SELECT
    d.1 AS dimension,
    toStartOfHour(ts) AS hour,
    toString(app_id) AS app_id,
    d.2 AS value,
    anyLast(d.3) AS label,
    toUInt64(count()) AS requests,
    toUInt64(countIf(status >= 400)) AS errors,
    toUInt64(countIf(status IN (401, 403))) AS auth_failures,
    uniqState(token_fingerprint) AS tokens
FROM usage_events
ARRAY JOIN [
    ('app', toString(app_id), ''),
    ('user', user_id, ''),
    ('ip', replaceRegexpOne(IPv6NumToString(ip), '^::ffff:', ''), ''),
    ('asn', toString(asn), toString(asn_org)),
    ('country', toString(country), '')
] AS d
GROUP BY dimension, hour, app_id, value;

-- Per token, hour and place (country, city, network): where a token was used and when,
-- for the location detectors (travel, new places, dormant tokens waking up elsewhere).
CREATE TABLE IF NOT EXISTS usage_token_place_1h_v1
(
    token_fingerprint String,
    hour              DateTime('UTC'),
    country           LowCardinality(String),
    city              String,
    asn               UInt32,
    lat               SimpleAggregateFunction(anyLast, Nullable(Float32)),
    lon               SimpleAggregateFunction(anyLast, Nullable(Float32)),
    asn_org           SimpleAggregateFunction(anyLast, String),
    ip                SimpleAggregateFunction(anyLast, String),
    app_id            SimpleAggregateFunction(anyLast, String),
    user_id           SimpleAggregateFunction(anyLast, String),
    requests          SimpleAggregateFunction(sum, UInt64),
    first_seen        SimpleAggregateFunction(min, DateTime64(3, 'UTC')),
    last_seen         SimpleAggregateFunction(max, DateTime64(3, 'UTC'))
)
ENGINE = AggregatingMergeTree
PARTITION BY toYYYYMM(hour)
ORDER BY (token_fingerprint, hour, country, city, asn)
TTL hour + toIntervalDay({{rollup_retention_days}})
SETTINGS non_replicated_deduplication_window = 10000;

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
    min(ts) AS first_seen,
    max(ts) AS last_seen
FROM usage_events
WHERE country != '' OR asn != 0
GROUP BY token_fingerprint, hour, country, city, asn;
