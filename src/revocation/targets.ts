/** Which configured revocation target a request goes to, when it names one or none. */
import type { Config } from '../config.js';
import { Conflict, Invalid } from '../errors.js';

export class RevocationTargets {
  constructor(private readonly config: Config) {}

  /** The target policies use when a request names none. */
  defaultTarget(): string | undefined {
    return this.config.revocation.policies.find((p) => p.target)?.target ?? Object.keys(this.config.revocation.targets)[0];
  }

  /** The named target, or the default; a domain error when there is none or no such one. */
  resolve(name: string | undefined): string {
    const target = name ?? this.defaultTarget();
    if (!target) {
      throw new Conflict(
        'no_target',
        'no revocation target is configured: add one under revocation.targets in the config file (docs/revocation.md); estimates and bulk dry runs (scope family, user, app or all) work without one',
      );
    }
    if (!(target in this.config.revocation.targets)) {
      throw new Invalid('invalid_request', `target: no target named "${target}"; configured: ${Object.keys(this.config.revocation.targets).join(', ')}`, [{ field: 'body.target', error: 'unknown target' }]);
    }
    return target;
  }

  /** True when a request naming no target has none to fall back on (estimates then assume a default pace). */
  noTarget(name: string | undefined): boolean {
    return name === undefined && this.defaultTarget() === undefined;
  }
}
