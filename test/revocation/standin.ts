/** A programmable RFC 7009 endpoint on loopback: records every call, answers as told. */
import http from 'node:http';
import type { AddressInfo } from 'node:net';

export interface Call {
  token: string;
  hint: string | null;
  authorization: string | undefined;
  at: number;
}

export type Answer = { status: number; headers?: Record<string, string>; body?: string } | 'hang';

export class Rfc7009StandIn {
  readonly calls: Call[] = [];
  /** Decides each answer; default 200. */
  respond: (call: Call, index: number) => Answer = () => ({ status: 200 });
  private server: http.Server | undefined;
  port = 0;

  async start(port = 0): Promise<this> {
    const server = http.createServer((req, res) => {
      let body = '';
      req.on('data', (d: Buffer) => (body += d.toString()));
      req.on('end', () => {
        const form = new URLSearchParams(body);
        const call: Call = { token: form.get('token') ?? '', hint: form.get('token_type_hint'), authorization: req.headers.authorization, at: Date.now() };
        this.calls.push(call);
        const answer = this.respond(call, this.calls.length - 1);
        if (answer === 'hang') return; // never answers: the adapter times out
        res.writeHead(answer.status, { 'content-type': 'application/json', ...answer.headers });
        res.end(answer.body ?? '');
      });
    });
    this.server = server;
    await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve));
    this.port = (server.address() as AddressInfo).port;
    return this;
  }

  get url(): string {
    return `http://127.0.0.1:${this.port}/oauth2/revoke`;
  }

  callsFor(token: string): Call[] {
    return this.calls.filter((c) => c.token === token);
  }

  async stop(): Promise<void> {
    const server = this.server;
    this.server = undefined;
    if (!server) return;
    server.closeAllConnections();
    await new Promise((r) => server.close(r));
  }
}

export function rfc7009Target(standIn: { url: string }, extra: Record<string, unknown> = {}) {
  return {
    type: 'rfc7009',
    url: standIn.url,
    client_id: 'tokenwatch',
    client_secret: 'tw-secret',
    token_types: ['access_token', 'refresh_token'],
    rate_limit_per_sec: 200,
    concurrency: 8,
    timeout_ms: 2000,
    ...extra,
  };
}
