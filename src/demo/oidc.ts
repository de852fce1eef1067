/**
 * A real OAuth 2.0 server on loopback for the demo and the end-to-end tests:
 * node-oidc-provider with client credentials, RFC 7009 revocation and RFC 7662
 * introspection. tokenwatch is a privileged client that may revoke anyone's tokens.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import Provider from 'oidc-provider';

export interface OAuthServer {
  issuer: string;
  tokenEndpoint: string;
  revocationEndpoint: string;
  introspectionEndpoint: string;
  /** Client credentials for apps that get tokens, and for tokenwatch itself. */
  app: { client_id: string; client_secret: string };
  tokenwatch: { client_id: string; client_secret: string };
  issueToken(): Promise<string>;
  introspect(token: string): Promise<{ active: boolean } & Record<string, unknown>>;
  close(): Promise<void>;
}

const basic = (id: string, secret: string) => `Basic ${Buffer.from(`${encodeURIComponent(id)}:${encodeURIComponent(secret)}`).toString('base64')}`;

export async function startOAuthServer(port = 0): Promise<OAuthServer> {
  const server = http.createServer();
  await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve));
  const issuer = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const app = { client_id: 'demo-app', client_secret: 'demo-app-secret-0123456789' };
  const tokenwatch = { client_id: 'tokenwatch', client_secret: 'tokenwatch-secret-0123456789' };
  const cc = { grant_types: ['client_credentials'], response_types: [], redirect_uris: [] };
  const provider = new Provider(issuer, {
    clients: [
      { ...app, ...cc },
      { ...tokenwatch, ...cc },
    ],
    features: {
      devInteractions: { enabled: false },
      clientCredentials: { enabled: true },
      introspection: { enabled: true, allowedPolicy: () => true },
      revocation: { enabled: true, allowedPolicy: () => true },
    },
    ttl: { ClientCredentials: 3600 },
  });
  server.on('request', provider.callback());

  const form = async (url: string, client: { client_id: string; client_secret: string }, body: Record<string, string>) => {
    const res = await fetch(url, {
      method: 'POST',
      headers: { authorization: basic(client.client_id, client.client_secret), 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams(body).toString(),
    });
    if (!res.ok) throw new Error(`${url}: HTTP ${res.status} ${await res.text()}`);
    return (await res.json()) as Record<string, unknown>;
  };

  return {
    issuer,
    tokenEndpoint: `${issuer}/token`,
    revocationEndpoint: `${issuer}/token/revocation`,
    introspectionEndpoint: `${issuer}/token/introspection`,
    app,
    tokenwatch,
    async issueToken() {
      return String((await form(`${issuer}/token`, app, { grant_type: 'client_credentials' })).access_token);
    },
    async introspect(token: string) {
      return (await form(`${issuer}/token/introspection`, tokenwatch, { token })) as { active: boolean };
    },
    async close() {
      server.closeAllConnections();
      await new Promise((r) => server.close(r));
    },
  };
}
