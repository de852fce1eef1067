/** Issue 11: malformed JSON never echoes the body (a token fragment) into a response or a log line. */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config.js';
import { jsonErrorByte, jsonErrorIndex, parseJson } from '../../src/json.js';
import { auth, openTestApp, tempDir, testConfig, type TestApp } from '../helpers.js';

const SECRET = 'eyJSECRETtokenFRAGMENT0123456789';

describe('jsonErrorIndex', () => {
  it('agrees with JSON.parse on what is valid, for random and mutated inputs', () => {
    const samples = ['{"a":[1,2.5e-3,true,false,null,"x\\u00e9\\n"],"b":{}}', '[]', '"s"', '-0', '0.1', '{"k": [ {"z": -12E+2} ] }'];
    const alphabet = '{}[]":,.-+eE0123456789tfnrulas \\\n\t';
    let seed = 7;
    const rand = (n: number) => ((seed = (seed * 1103515245 + 12345) % 2 ** 31) % n);
    const inputs: string[] = [...samples];
    for (const s of samples) for (let k = 0; k < 300; k++) {
      const at = rand(s.length + 1);
      inputs.push(s.slice(0, at) + alphabet[rand(alphabet.length)] + s.slice(at + rand(2)));
    }
    for (let k = 0; k < 2000; k++) inputs.push(Array.from({ length: rand(8) }, () => alphabet[rand(alphabet.length)]).join(''));
    for (const input of inputs) {
      let valid = true;
      try {
        JSON.parse(input);
      } catch {
        valid = false;
      }
      expect([input, jsonErrorIndex(input) === -1]).toEqual([input, valid]);
    }
  });

  it('points at the fault, in bytes', () => {
    expect(jsonErrorIndex('[1,]')).toBe(3);
    expect(jsonErrorIndex('{"a" 1}')).toBe(5);
    expect(jsonErrorIndex('[1')).toBe(2);
    expect(jsonErrorIndex('tru')).toBe(3);
    expect(jsonErrorIndex('"a\u0001"')).toBe(2);
    expect(jsonErrorByte('["é", x]')).toBe(7);
    expect(() => parseJson(`{"token": "${SECRET}`)).toThrow(/^not valid JSON at byte 43$/);
    // Deep nesting: no recursion to overflow.
    expect(jsonErrorIndex('['.repeat(200_000))).toBe(200_000);
  });
});

describe('malformed bodies over HTTP', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await openTestApp(testConfig(tempDir()));
  });
  afterAll(async () => t.close());

  const broken = `[{"token": "${SECRET}", "ip": "1.2.3.4"`;
  it.each([
    ['/v1/events', 'ingest', 'application/json', broken],
    ['/v1/tokens', 'idp', 'application/json', `[{"event": "issued", "token": "${SECRET}}]`],
    ['/v1/revocations', 'admin', 'application/json', `{"scope": "token", "token": "${SECRET}, "reason": "x"}`],
    ['/v1/tokens/lookup', 'read', 'application/json', `{"token": ${SECRET}}`],
    ['/v1/flags/0123456789abcdef0123456789abcdef/confirm', 'admin', 'application/json', `{"reason": ${SECRET}}`],
  ] as const)('%s answers "not valid JSON at byte N" and logs no body bytes', async (url, role, type, payload) => {
    let res = await t.app.inject({ method: 'POST', url, headers: { ...auth(role), 'content-type': type }, payload });
    // /v1/tokens takes the identity provider's key (issue 11 part A) or, before that, the ingest key.
    if (res.statusCode === 403) res = await t.app.inject({ method: 'POST', url, headers: { ...auth('ingest'), 'content-type': type }, payload });
    expect(res.statusCode).toBe(400);
    expect(res.json().error.code).toBe('invalid_json');
    expect(res.json().error.message).toMatch(/not valid JSON at byte \d+$/);
    expect(res.body).not.toContain('SECRET');
    expect(t.logs.text).not.toContain('SECRET');
  });

  it('an NDJSON line that is not JSON is rejected by index, without its text', async () => {
    const res = await t.app.inject({
      method: 'POST',
      url: '/v1/events',
      headers: { ...auth('ingest'), 'content-type': 'application/x-ndjson' },
      payload: `{"token": "ok-token-1", "ip": "1.2.3.4", "status": 200}\n{"token": "${SECRET}\n`,
    });
    expect(res.statusCode).toBe(202);
    expect(res.json().rejected).toEqual([{ index: 1, error: 'line is not valid JSON at byte 43' }]);
    expect(t.logs.text).not.toContain('SECRET');
  });

  it('refuses prototype keys as fastify did', async () => {
    const res = await t.app.inject({ method: 'POST', url: '/v1/tokens/lookup', headers: { ...auth('read'), 'content-type': 'application/json' }, payload: '{"token": "x", "__proto__": {"admin": true}}' });
    expect(res.statusCode).toBe(400);
  });
});

describe('configuration files', () => {
  it('a broken JSON or YAML config names the place, never the text', () => {
    const dir = tempDir();
    const json = join(dir, 'config.json');
    writeFileSync(json, `{"webhooks": {"threescale": {"secret": "${SECRET}`);
    const yaml = join(dir, 'config.yaml');
    writeFileSync(yaml, `webhooks:\n  threescale:\n    secret: "${SECRET}\n  rules: [\n`);
    for (const path of [json, yaml]) {
      let message = '';
      try {
        loadConfig({ TOKENWATCH_DATA_DIR: dir, TOKENWATCH_CONFIG: path });
      } catch (error) {
        message = (error as Error).message;
      }
      expect(message).toMatch(/not valid (JSON at byte \d+|YAML)/);
      expect(message).not.toContain('SECRET');
    }
  });
});
