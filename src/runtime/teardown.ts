/** TeardownLog is the logger seam of a Teardown. */
export interface TeardownLog {
  warn(obj: object, msg: string): void;
}

/**
 * Teardown is the one stop path of a daemon: each part registers its stop step as it
 * starts, and run() stops them in reverse order, once, logging (not throwing) a step
 * that fails so that the later ones still run. Start-up failures and shutdown use it alike.
 */
export class Teardown {
  private readonly steps: { name: string; stop: () => Promise<void> | void }[] = [];
  private running?: Promise<void>;

  constructor(private readonly log: TeardownLog) {}

  /** add registers a stop step; steps run in reverse order of registration. */
  add(name: string, stop: () => Promise<void> | void): void {
    this.steps.push({ name, stop });
  }

  /** run stops every registered part, last started first. Idempotent. */
  run(): Promise<void> {
    this.running ??= (async () => {
      for (const step of this.steps.reverse()) {
        try {
          await step.stop();
        } catch (e) {
          this.log.warn({ err: e, step: step.name }, 'stop step failed');
        }
      }
    })();
    return this.running;
  }
}
