/**
 * Issue 15: `npm run bench` must not rewrite tracked files on every run. An ordinary run
 * writes to bench/results/ (gitignored); only --record writes the tracked RESULTS file.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { RESULTS_FILE, SCRATCH_RESULTS_FILE, writeResults } from '../bench/common.js';

describe('benchmark results', () => {
  it('an ordinary run writes its section to bench/results/, untracked, and leaves the tracked file alone', () => {
    const tracked = readFileSync(RESULTS_FILE, 'utf8');
    const before = existsSync(SCRATCH_RESULTS_FILE) ? readFileSync(SCRATCH_RESULTS_FILE, 'utf8') : undefined;
    try {
      const file = writeResults('issue15-probe', '## probe\n\n42 ms');
      expect(file).toBe(SCRATCH_RESULTS_FILE);
      expect(readFileSync(SCRATCH_RESULTS_FILE, 'utf8')).toContain('<!-- issue15-probe:start -->\n## probe\n\n42 ms\n<!-- issue15-probe:end -->');
      expect(readFileSync(RESULTS_FILE, 'utf8')).toBe(tracked);
      const ignored = execFileSync('git', ['check-ignore', SCRATCH_RESULTS_FILE], { encoding: 'utf8' }).trim();
      expect(ignored).toBe(SCRATCH_RESULTS_FILE);
      expect(execFileSync('git', ['status', '--porcelain', '--', 'bench/RESULTS-query-detect-revoke.md', 'bench/results'], { encoding: 'utf8' })).toBe('');
    } finally {
      if (before === undefined) rmSync(SCRATCH_RESULTS_FILE, { force: true });
      else writeFileSync(SCRATCH_RESULTS_FILE, before);
    }
  });
});
