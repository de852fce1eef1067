/** The one config schema: defaults, env over file, and errors that name the field (exit 2). */
import { spawnSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { AUTOMATIC_DETECTORS, ConfigError, loadConfig } from '../src/config.js';
import { tempDir } from './helpers.js';

const smallest = {
  revocation: {
    targets: {
      idp: { type: 'rfc7009', url: 'https://idp.example/oauth2/revoke', client_id: 'tokenwatch', client_secret: 's3cr3t', rate_limit_per_sec: 50 },
    },
    policies: [{ detectors: ['impossible_travel', 'refresh_reuse'], min_severity: 'high', action: 'revoke_token', target: 'idp' }],
    max_auto_revocations_per_hour: 100,
  },
  detectors: { rate_spike: { enabled: true } },
};

describe('loadConfig', () => {
  it('starts with nothing configured, on the documented defaults', () => {
    const c = loadConfig({});
    expect(c.server).toMatchObject({ host: '127.0.0.1', port: 8080, body_limit_bytes: 10 * 1024 * 1024, max_events_per_request: 10_000 });
    expect(c.dataDir).toMatch(/\/data$/);
    expect(c.warehouse.retention_days).toBe(90);
    expect(c.clickhouse.url).toBeUndefined();
  });

  it('trust and budgets: usage accepted back to the retention period, reported places trusted, 20 automatic revocations per key and hour', () => {
    const c = loadConfig({});
    expect(c.ingest.max_age_days).toBe(90);
    expect(c.ingest.place_trust).toEqual({ default: 'reported', keys: {} });
    expect(c.revocation.max_auto_revocations_per_hour_per_key).toBe(20);
    expect(loadConfig({}, { warehouse: { retention_days: 400 } }).ingest.max_age_days).toBe(400);
    expect(loadConfig({}, { ingest: { max_age_days: 7 } }).ingest.max_age_days).toBe(7);
    expect(loadConfig({}, { ingest: { place_trust: { default: 'lookup', keys: { 'cfg-0123456789ab': 'reported' } } } }).ingest.place_trust.keys).toEqual({
      'cfg-0123456789ab': 'reported',
    });
    expect(() => loadConfig({}, { ingest: { max_age_days: 120 } })).toThrow(/ingest\.max_age_days: 120 is beyond warehouse\.retention_days \(90\)/);
    expect(() => loadConfig({}, { ingest: { place_trust: { default: 'gateway' } } })).toThrow(/ingest\.place_trust\.default/);
  });

  it('reads gateway token sources with defaults, and names an unknown source or field', () => {
    const c = loadConfig({}, { gateways: { tyk: { token_sources: ['api_key'] } } });
    expect(c.gateways.tyk).toMatchObject({ token_sources: ['api_key'], api_key_is: 'auto' });
    expect(c.gateways.kong.token_sources).toEqual(['bearer', 'apikey_header', 'apikey_query', 'credential', 'consumer']);
    expect(() => loadConfig({}, { gateways: { kong: { token_sources: ['raw_request'] } } })).toThrow(/gateways\.kong\.token_sources\.0/);
    expect(() => loadConfig({}, { gateways: { envoy: { keys: { nope: 'x' } } } })).toThrow(/gateways\.envoy\.keys\.nope: unknown field/);
  });

  it("accepts the contract's smallest config file", () => {
    const c = loadConfig({}, smallest);
    expect(c.revocation.targets.idp).toMatchObject({ type: 'rfc7009', auth_method: 'client_secret_basic' });
  });

  it('with a target and no policies, revokes automatically only for the detectors precise enough; [] means none', () => {
    const { policies: _configured, ...revocation } = smallest.revocation;
    const c = loadConfig({}, { revocation });
    expect(c.revocation.policies).toEqual([{ detectors: [...AUTOMATIC_DETECTORS], min_severity: 'high', action: 'revoke_token', dry_run: false }]);
    expect(AUTOMATIC_DETECTORS.length).toBeGreaterThan(0);
    expect(loadConfig({}, { revocation: { ...revocation, policies: [] } }).revocation.policies).toEqual([]);
    expect(loadConfig({}).revocation.policies).toEqual([]);
  });

  it('lets the environment win over the file', () => {
    const c = loadConfig({ TOKENWATCH_PORT: '9999', CLICKHOUSE_URL: 'http://ch:8123', CLICKHOUSE_DATABASE: 'tw' }, { server: { port: 1 } });
    expect(c.server.port).toBe(9999);
    expect(c.clickhouse).toMatchObject({ url: 'http://ch:8123', database: 'tw' });
  });

  it('an empty TOKENWATCH_PORT is unset (the default 8080), not port 0', () => {
    expect(loadConfig({ TOKENWATCH_PORT: '' }).server.port).toBe(8080);
    expect(loadConfig({ TOKENWATCH_PORT: ' 9090 ' }).server.port).toBe(9090);
  });

  it('reads role:key pairs from TOKENWATCH_API_KEYS', () => {
    const c = loadConfig({ TOKENWATCH_API_KEYS: 'ingest:aaaaaaaaaaaaaaaa, admin:bbbbbbbbbbbbbbbb' });
    expect(c.api_keys.map((k) => k.role)).toEqual(['ingest', 'admin']);
  });

  it.each([
    [{ TOKENWATCH_PORT: 'eighty' }, {}, /TOKENWATCH_PORT: expected an integer 0–65535, got "eighty"/],
    [{ TOKENWATCH_PORT: '70000' }, {}, /TOKENWATCH_PORT: expected an integer 0–65535, got "70000"/],
    [{ TOKENWATCH_PORT: '80.5' }, {}, /TOKENWATCH_PORT: expected an integer 0–65535, got "80.5"/],
    [{ TOKENWATCH_API_KEYS: 'admin:short' }, {}, /TOKENWATCH_API_KEYS: entry 1: .*16 characters/],
    [{ TOKENWATCH_API_KEYS: 'root:aaaaaaaaaaaaaaaaaaaa' }, {}, /TOKENWATCH_API_KEYS: entry 1/],
    [{ TOKENWATCH_VAULT_KEY: 'abc' }, {}, /TOKENWATCH_VAULT_KEY/],
    [{}, { server: { port: 'x' } }, /server\.port/],
    [{}, { servre: {} }, /servre/],
    [{}, { detectors: { rate_spike: { enabeld: true } } }, /detectors\.rate_spike/],
    [{}, { detectors: { not_a_detector: {} } }, /detectors\.not_a_detector/],
    [{}, { revocation: { targets: { idp: { type: 'rfc7009', url: 'ftp://x' } } } }, /revocation\.targets\.idp/],
    [{}, { revocation: { policies: [{ detectors: ['rate_spike'], action: 'revoke_token', target: 'nowhere' }] } }, /revocation\.policies\.0\.target/],
    [{}, { warehouse: { retention_days: 0 } }, /warehouse\.retention_days/],
  ])('names the field of a bad value (%j %j)', (env, file, message) => {
    expect(() => loadConfig(env, file)).toThrow(ConfigError);
    expect(() => loadConfig(env, file)).toThrow(message);
  });
});

describe('the CLI on a bad config', () => {
  const run = (args: string[], env: Record<string, string>) =>
    spawnSync(process.execPath, ['--import', 'tsx', 'src/main.ts', ...args], { env: { ...process.env, ...env }, encoding: 'utf8' });

  it('exits 2 and names the field for a bad JSON file', () => {
    const dir = tempDir();
    const path = join(dir, 'config.json');
    writeFileSync(path, JSON.stringify({ ingest: { max_string_length: 'long' } }));
    const r = run(['serve'], { TOKENWATCH_CONFIG: path, TOKENWATCH_DATA_DIR: dir });
    expect(r.status).toBe(2);
    expect(r.stderr).toContain('ingest.max_string_length');
  });

  it('exits 2 for a bad YAML file and for unparseable text', () => {
    const dir = tempDir();
    const yaml = join(dir, 'config.yaml');
    writeFileSync(yaml, 'server:\n  port: 70000\n');
    const r = run(['migrate'], { TOKENWATCH_CONFIG: yaml, TOKENWATCH_DATA_DIR: dir });
    expect(r.status).toBe(2);
    expect(r.stderr).toContain('server.port');
    const broken = join(dir, 'broken.json');
    writeFileSync(broken, '{ "server": ');
    const r2 = run(['migrate'], { TOKENWATCH_CONFIG: broken, TOKENWATCH_DATA_DIR: dir });
    expect(r2.status).toBe(2);
    expect(r2.stderr).toContain('not valid JSON');
  });

  it('exits 2 for a bad environment variable and for an unknown command', () => {
    expect(run(['serve'], { TOKENWATCH_PORT: '-1' }).status).toBe(2);
    expect(run(['frobnicate'], {}).status).toBe(2);
  });
});
