/** The detectors, by name, and their thresholds after config overrides. */
import { ConfigError, DETECTOR_NAMES, type Config, type DetectorName } from '../config.js';
import { authFailures } from './auth-failures.js';
import { dormantReuse } from './dormant-reuse.js';
import { impossibleTravel } from './impossible-travel.js';
import { ipFanout } from './ip-fanout.js';
import { newLocation } from './new-location.js';
import { rateSpike } from './rate-spike.js';
import { refreshReuse } from './refresh-reuse.js';
import { revokedUse } from './revoked-use.js';
import type { Detector } from './types.js';

export const DETECTORS: Record<DetectorName, Detector> = {
  rate_spike: rateSpike,
  ip_fanout: ipFanout,
  impossible_travel: impossibleTravel,
  new_location: newLocation,
  auth_failures: authFailures,
  revoked_use: revokedUse,
  refresh_reuse: refreshReuse,
  dormant_reuse: dormantReuse,
};

export function resolveThresholds(detector: Detector, config: Config): Record<string, number> {
  const overrides = config.detectors[detector.name]?.thresholds ?? {};
  const values: Record<string, number> = {};
  for (const [name, t] of Object.entries(detector.thresholds)) values[name] = overrides[name] ?? t.value;
  return values;
}

/** Stops the start when the config overrides a threshold a detector does not have. */
export function validateDetectorConfig(config: Config): void {
  for (const name of DETECTOR_NAMES) {
    const overrides = config.detectors[name]?.thresholds ?? {};
    const known = Object.keys(DETECTORS[name].thresholds);
    for (const key of Object.keys(overrides)) {
      if (!known.includes(key)) {
        throw new ConfigError(`config: detectors.${name}.thresholds.${key}: unknown threshold; ${name} has ${known.join(', ')}`);
      }
    }
  }
}

export function enabledDetectors(config: Config): Detector[] {
  return DETECTOR_NAMES.filter((name) => config.detectors[name]?.enabled !== false).map((name) => DETECTORS[name]);
}
