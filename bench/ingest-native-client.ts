/**
 * The sender of the native-format benchmark, in its own process so the server's CPU is
 * measured alone: builds a round's bodies when asked, sends them when told.
 */
import { bodies, send, type Path } from './ingest-native-data.js';

export type ClientMessage =
  | { type: 'build'; path: Path; round: number; count: number; batchSize: number; tag: string }
  | { type: 'send'; url: string; key: string }
  | { type: 'exit' };
export type ClientReply = { type: 'built'; bytes: number } | { type: 'sent' } | { type: 'failed'; error: string };

let built: Buffer[] = [];
const reply = (m: ClientReply) => process.send!(m);

process.on('message', (m: ClientMessage) => {
  if (m.type === 'exit') process.exit(0);
  if (m.type === 'build') {
    built = bodies(m.path, m.round, m.count, m.batchSize, m.tag);
    reply({ type: 'built', bytes: built.reduce((n, b) => n + b.length, 0) });
  } else {
    send(m.url, m.key, built).then(
      () => reply({ type: 'sent' }),
      (error: unknown) => reply({ type: 'failed', error: (error as Error).message }),
    );
  }
});
