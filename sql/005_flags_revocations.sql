-- Flags raised by detectors, with their review status, and the revocation audit.
-- Both are small, mutable-by-version tables (ReplacingMergeTree on a version time):
-- read them with FINAL or argMax. The history tables are append-only.

-- flag_id is deterministic (detector, subject, window): reruns never duplicate a flag.
CREATE TABLE IF NOT EXISTS flags
(
    flag_id           String,
    detector          LowCardinality(String),
    subject_type      LowCardinality(String),
    subject           String,
    token_fingerprint String,
    app_id            String,
    user_id           String,
    window_start      DateTime64(3, 'UTC'),
    window_end        DateTime64(3, 'UTC'),
    severity          LowCardinality(String),
    score             Float64,
    explanation       String,
    evidence          String,
    status            LowCardinality(String),
    created_at        DateTime64(3, 'UTC'),
    updated_at        DateTime64(3, 'UTC')
)
ENGINE = ReplacingMergeTree(updated_at)
ORDER BY flag_id;

CREATE TABLE IF NOT EXISTS flag_history
(
    flag_id String,
    ts      DateTime64(3, 'UTC'),
    status  LowCardinality(String),
    actor   String,
    reason  String
)
ENGINE = MergeTree
ORDER BY (flag_id, ts);

-- A dismissed pattern (detector and subject) is not flagged again until `until`.
CREATE TABLE IF NOT EXISTS suppressions
(
    detector     LowCardinality(String),
    subject_type LowCardinality(String),
    subject      String,
    until        DateTime64(3, 'UTC'),
    flag_id      String,
    actor        String,
    reason       String,
    created_at   DateTime64(3, 'UTC')
)
ENGINE = ReplacingMergeTree(created_at)
ORDER BY (detector, subject_type, subject);

-- One row per detector per scheduler run (or retro-hunt chunk): duration and outcome.
CREATE TABLE IF NOT EXISTS detector_runs
(
    run_id       String,
    detector     LowCardinality(String),
    trigger      LowCardinality(String),
    window_from  DateTime64(3, 'UTC'),
    window_to    DateTime64(3, 'UTC'),
    started_at   DateTime64(3, 'UTC'),
    duration_ms  Float64,
    findings     UInt32,
    new_flags    UInt32,
    outcome      LowCardinality(String),
    error        String
)
ENGINE = MergeTree
PARTITION BY toYYYYMM(started_at)
ORDER BY (detector, started_at)
TTL toDateTime(started_at) + toIntervalDay(90);

-- One row per requested revocation; its status moves requested → done | failed | cancelled.
CREATE TABLE IF NOT EXISTS revocations
(
    revocation_id     String,
    token_fingerprint String,
    scope             LowCardinality(String),
    target            LowCardinality(String),
    source            LowCardinality(String),
    actor             String,
    reason            String,
    flag_id           String,
    job_id            String,
    app_id            String,
    user_id           String,
    status            LowCardinality(String),
    attempts          UInt32,
    last_http_status  UInt16,
    last_error        String,
    requested_at      DateTime64(3, 'UTC'),
    updated_at        DateTime64(3, 'UTC')
)
ENGINE = ReplacingMergeTree(updated_at)
ORDER BY revocation_id;

-- Every attempt against a target: the audit trail.
CREATE TABLE IF NOT EXISTS revocation_attempts
(
    revocation_id String,
    attempt       UInt32,
    ts            DateTime64(3, 'UTC'),
    target        LowCardinality(String),
    http_status   UInt16,
    latency_ms    Float32,
    outcome       LowCardinality(String),
    error         String
)
ENGINE = MergeTree
ORDER BY (revocation_id, attempt);
