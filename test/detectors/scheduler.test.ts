import cron from 'node-cron';
import { describe, expect, it } from 'vitest';
import { Scheduler } from '../../src/detectors/scheduler.js';
import { createLogger } from '../../src/logger.js';
import { createMetrics } from '../../src/metrics.js';
import { tempDir, testConfig } from '../helpers.js';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

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

  it('by default ticks every 30 seconds', () => {
    const { cron: schedule } = testConfig(tempDir()).scheduler;
    expect(schedule).toBe('*/30 * * * * *');
    expect(cron.validate(schedule)).toBe(true);
  });

  it('on a real schedule, skips a tick that comes while the last run still goes, and does not queue it', async () => {
    const metrics = createMetrics();
    const starts: number[] = [];
    const ends: number[] = [];
    let running = 0;
    let maxRunning = 0;
    const scheduler = new Scheduler(
      [
        {
          name: 'slow',
          schedule: '* * * * * *', // every second; each run takes 2.5 s
          async run() {
            starts.push(Date.now());
            running += 1;
            maxRunning = Math.max(maxRunning, running);
            await sleep(2500);
            running -= 1;
            ends.push(Date.now());
          },
        },
      ],
      metrics,
      createLogger('silent'),
    );
    scheduler.start();
    await sleep(4300);
    await scheduler.stop();
    expect(maxRunning).toBe(1);
    expect(starts.length).toBeGreaterThanOrEqual(1);
    expect(starts.length).toBeLessThanOrEqual(2);
    // A queued tick would start the moment the last run ended; a skipped one waits for the next second.
    if (starts.length === 2) expect(starts[1]! - ends[0]!).toBeGreaterThan(50);
    expect(await metrics.registry.metrics()).toMatch(/tokenwatch_job_runs_total\{job="slow",outcome="skipped_overlap"\} [1-9]/);
  });

  it('refuses an invalid cron expression', () => {
    expect(() => new Scheduler([{ name: 'x', schedule: 'every minute', run: async () => {} }], createMetrics(), createLogger('silent'))).toThrow(/invalid cron/);
  });
});
