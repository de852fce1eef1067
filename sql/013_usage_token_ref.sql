-- Gateways name some tokens only by reference (a Kong credential or consumer id, a Tyk key
-- hash): their fingerprint is of the reference in the gateway's namespace. token_kind says
-- which a row's fingerprint is ('raw' for every event that carried the token itself) and
-- token_ref keeps the reference, which is an id, never a secret, for token detail.
ALTER TABLE usage_events ADD COLUMN IF NOT EXISTS token_kind LowCardinality(String) DEFAULT 'raw';
ALTER TABLE usage_events ADD COLUMN IF NOT EXISTS token_ref String DEFAULT '';
