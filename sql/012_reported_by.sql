-- Who said so (issue 11): every stored event records the id of the API key that sent it
-- (never the key), and a usage event keeps both places: the one its caller reported
-- (reported_*) and the MMDB lookup of its IP (geo_*). `country`, `city`, `lat`, `lon` and
-- `asn` stay the place the detectors read, chosen at ingest by ingest.place_trust.
-- Lifecycle events keep the source string their sender used (source_original) beside the
-- documented source it maps onto. Rows from before this migration read as ''/NULL/0.
-- One column per ALTER, IF NOT EXISTS: safe to rerun, and rewritable for a cluster.
ALTER TABLE usage_events ADD COLUMN IF NOT EXISTS reported_by LowCardinality(String) DEFAULT '';
ALTER TABLE usage_events ADD COLUMN IF NOT EXISTS reported_country LowCardinality(String) DEFAULT '';
ALTER TABLE usage_events ADD COLUMN IF NOT EXISTS reported_city LowCardinality(String) DEFAULT '';
ALTER TABLE usage_events ADD COLUMN IF NOT EXISTS reported_lat Nullable(Float32);
ALTER TABLE usage_events ADD COLUMN IF NOT EXISTS reported_lon Nullable(Float32);
ALTER TABLE usage_events ADD COLUMN IF NOT EXISTS reported_asn UInt32 DEFAULT 0;
ALTER TABLE usage_events ADD COLUMN IF NOT EXISTS geo_country LowCardinality(String) DEFAULT '';
ALTER TABLE usage_events ADD COLUMN IF NOT EXISTS geo_city LowCardinality(String) DEFAULT '';
ALTER TABLE usage_events ADD COLUMN IF NOT EXISTS geo_lat Nullable(Float32);
ALTER TABLE usage_events ADD COLUMN IF NOT EXISTS geo_lon Nullable(Float32);
ALTER TABLE usage_events ADD COLUMN IF NOT EXISTS geo_asn UInt32 DEFAULT 0;
ALTER TABLE token_events ADD COLUMN IF NOT EXISTS reported_by LowCardinality(String) DEFAULT '';
ALTER TABLE token_events ADD COLUMN IF NOT EXISTS source_original String DEFAULT '';
ALTER TABLE app_events ADD COLUMN IF NOT EXISTS reported_by LowCardinality(String) DEFAULT '';
