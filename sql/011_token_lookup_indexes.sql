-- Token detail reads one token's flags and revocations. Both tables are ordered by their
-- own ids, so without an index that read scans every row: measured on the embedded
-- engine with a million revocations (one bulk job), 24-29 ms per token detail against
-- 7-9 ms with this index. A revocation or flag never changes its token, so skipping
-- granules by token is exact under FINAL. MATERIALIZE builds the index for existing
-- parts in the background.
ALTER TABLE flags ADD INDEX IF NOT EXISTS flags_token token_fingerprint TYPE bloom_filter(0.01) GRANULARITY 1;
ALTER TABLE flags MATERIALIZE INDEX flags_token;
ALTER TABLE revocations ADD INDEX IF NOT EXISTS revocations_token token_fingerprint TYPE bloom_filter(0.01) GRANULARITY 1;
ALTER TABLE revocations MATERIALIZE INDEX revocations_token;
