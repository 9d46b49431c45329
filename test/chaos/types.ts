/**
 * The shapes shared by the chaos runner and its scenarios: what a scenario needs from
 * the machine, the context it runs in (temp dirs, cleanups, a seed), and its result.
 */

/** Need names something a scenario needs from the machine; a missing need makes it SKIPPED, with the reason. */
export type Need = 'root' | 'iptables' | 'tmpfs' | 'faketime';

/** ChaosContext is what a scenario gets: a seed, temp dirs and cleanups that the runner undoes even on failure. */
export interface ChaosContext {
  /** scenario is the running scenario's name. */
  scenario: string;
  /** seed seeds the scenario's workload; a failing run prints it (CHAOS_SEED replays the choice of keys and ops). */
  seed: number;
  /** tempDir makes a directory that is removed when the scenario ends. */
  tempDir(prefix: string): string;
  /** defer registers a cleanup; cleanups run last-in first-out when the scenario ends, pass or fail. */
  defer(what: string, fn: () => Promise<void> | void): void;
  /** log writes a progress line (shown with --verbose). */
  log(msg: string): void;
  /** faketimeLib is the path of libfaketime when the scenario needs faketime. */
  faketimeLib?: string;
}

/** Scenario is one fault staged against real daemons; run resolves with a one-line detail or throws. */
export interface Scenario {
  name: string;
  /** needs lists what the machine must offer; a scenario missing one is SKIPPED with the reason. */
  needs: Need[];
  /** quick marks the scenarios that fit CI's time (npm test runs them). */
  quick: boolean;
  run(ctx: ChaosContext): Promise<string>;
}

/** ScenarioResult is one row of the result table. */
export interface ScenarioResult {
  name: string;
  result: 'passed' | 'failed' | 'skipped';
  seconds: number;
  detail: string;
}
