import { describe, expect, it } from 'vitest';
import { Scheduler } from '../../src/detectors/scheduler.js';
import { createLogger } from '../../src/logger.js';
import { createMetrics } from '../../src/metrics.js';

describe('Scheduler', () => {
  it('never overlaps a job with itself, and counts outcomes', async () => {
    const metrics = createMetrics();
    let running = 0;
    let maxRunning = 0;
    let runs = 0;
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    const scheduler = new Scheduler(
      [
        {
          name: 'slow',
          schedule: '* * * * *',
          async run() {
            running += 1;
            runs += 1;
            maxRunning = Math.max(maxRunning, running);
            await gate;
            running -= 1;
          },
        },
        { name: 'broken', schedule: '* * * * *', run: async () => Promise.reject(new Error('boom')) },
      ],
      metrics,
      createLogger('silent'),
    );
    const first = scheduler.trigger('slow');
    const second = scheduler.trigger('slow');
    release();
    await Promise.all([first, second]);
    expect(runs).toBe(1);
    expect(maxRunning).toBe(1);
    await scheduler.trigger('broken');
    const text = await metrics.registry.metrics();
    expect(text).toContain('tokenwatch_job_runs_total{job="slow",outcome="ok"} 1');
    expect(text).toContain('tokenwatch_job_runs_total{job="slow",outcome="skipped_overlap"} 1');
    expect(text).toContain('tokenwatch_job_runs_total{job="broken",outcome="failed"} 1');
  });

  it('refuses an invalid cron expression', () => {
    expect(() => new Scheduler([{ name: 'x', schedule: 'every minute', run: async () => {} }], createMetrics(), createLogger('silent'))).toThrow(/invalid cron/);
  });
});
