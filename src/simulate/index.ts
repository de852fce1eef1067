/**
 * The traffic simulator: realistic gateway traffic with benign behaviours that look alarming
 * to naive rules, and injected attacks of every detector's kind, with labels to score
 * detectors against. Behaviours: behaviours.ts; attacks and their labels: attacks.ts.
 */
export { generate, MAX_HISTORY_DAYS, MIN_TOKENS } from './generate.js';
export { post, writeLabels, PostError, type PostOptions, type PostTarget } from './post.js';
export { simulateCommand, SimulateUsageError, SIMULATE_USAGE } from './command.js';
export { BEHAVIOURS, ATTACK_KINDS, type Behaviour, type AttackKind } from './world.js';
export type { Label, LifecycleEvent, Simulation, SimulationOptions, TokenType, UsageEvent } from './types.js';
