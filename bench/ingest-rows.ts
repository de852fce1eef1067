/**
 * The ingest benchmark's events as the spool would hold them: made by the real Ingestor
 * (validation, normalisation with geo, dedup, serialisation) into a stand-in spool that
 * keeps the appended bytes, so they are byte for byte what the flusher would read.
 */
import { pino } from 'pino';
import type { Config } from '../src/config.js';
import { openGeo } from '../src/ingest/geo.js';
import { Ingestor, parseBatch } from '../src/ingest/ingestor.js';
import { createNormaliser } from '../src/ingest/normalise.js';
import type { Spool } from '../src/ingest/spool.js';
import { createMetrics } from '../src/metrics.js';
import { makeTemplates, stampBatch } from './ingest-data.js';

/** The spool's bytes for `templates` batches of the generator under `tag` (same seed as the client). */
export async function spooledRows(config: Config, templates: number, tag: string): Promise<Buffer> {
  const spooled: Buffer[] = [];
  const spool = { append: async (data: Buffer) => void spooled.push(data), pendingBytes: () => 0 } as unknown as Spool;
  const geo = await openGeo({ cacheSize: config.geo.cache_size });
  try {
    const ingestor = new Ingestor({
      config,
      spool,
      normalise: createNormaliser('bench-pepper-0123456789abcdef', geo),
      metrics: createMetrics(),
      logger: pino({ level: 'silent' }),
    });
    let seq = 0;
    for (const template of makeTemplates(templates, tag)) {
      const { items, rejected } = parseBatch(stampBatch(template, seq++), true);
      const result = await ingestor.ingest(items, rejected);
      if (result.rejected.length > 0 || result.duplicates > 0) throw new Error(`benchmark events refused: ${JSON.stringify(result).slice(0, 500)}`);
    }
  } finally {
    geo.close();
  }
  return Buffer.concat(spooled);
}
