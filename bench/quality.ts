/**
 * Detection quality on independent traffic (issue 13):
 * `npx tsx bench/quality.ts --size test|medium --seed N --mode backfill|streaming [--traffic a|b|c|d|e|f] [--json] [--verbose]`.
 * `--traffic b` is the held-out generator (test/quality/HOLDOUT.md); `--traffic c` the third, blind one (test/quality/HOLDOUT-C.md);
 * `--traffic d` the fourth, blind one (test/quality/HOLDOUT-D.md); `--traffic e` the fifth, blind one (test/quality/HOLDOUT-E.md);
 * `--traffic f` the sixth, blind one (test/quality/HOLDOUT-F.md).
 * See test/quality/README.md.
 */
import { main } from '../test/quality/run-one.js';

main().catch((error: unknown) => {
  console.error(error instanceof Error ? error.message : error);
  process.exitCode = 1;
});
