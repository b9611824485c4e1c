import { join } from 'node:path';
import type {
  ApiEvent,
  DeviceSession,
  DialogFacts,
  PolicyOutcome,
  ScenarioRecord,
  TimelineAction,
  TimelineEntry,
} from '@conformance/core';

/**
 * What a scenario has observed so far, in memory: the timeline of stamped actions, the
 * screenshots, the API events drained from the device and the facts the steps established.
 * The evidence writer turns it into files; the steps only add to it.
 */
export class ScenarioRecorder {
  readonly timeline: TimelineEntry[] = [];
  readonly screenshots: string[] = [];
  readonly events: ApiEvent[] = [];
  dialog: DialogFacts | undefined;
  repromptedAfterRelaunch: boolean | undefined;
  policy: PolicyOutcome | undefined;
  /** The IAB TCF signal read after each choice, where the page has a TCF API. */
  readonly tcf: NonNullable<ScenarioRecord['tcf']> = [];
  /** How long the final observation window watched, and why it ended. */
  observed: ScenarioRecord['observed'];
  /** Time spent in observation windows and background holds (for the timing breakdown). */
  windowMs = 0;

  constructor(
    private readonly dir: string,
    private readonly session: () => DeviceSession,
  ) {}

  /** Runs `work` and stamps it on the timeline with the instant it started and returned. */
  async mark<T>(action: TimelineAction, work: () => Promise<T>, extra: Partial<TimelineEntry> = {}): Promise<T> {
    const at = Date.now();
    const result = await work();
    this.timeline.push({ action, at, done: Date.now(), ...extra });
    return result;
  }

  /** An instant with nothing to run (e.g. the dialog was or was not shown). */
  stamp(action: TimelineAction, at: number, extra: Partial<TimelineEntry> = {}): void {
    this.timeline.push({ action, at, done: Date.now(), ...extra });
  }

  /** A screenshot; on the web, elements matching `outline` are outlined in it (the controls chosen). */
  async screenshot(name: string, outline?: readonly string[]): Promise<string> {
    const file = `${name}.png`;
    await this.mark('screenshot', () => this.session().screenshot(join(this.dir, file), outline), { detail: file });
    this.screenshots.push(file);
    return file;
  }

  /** Moves the API events the device recorded so far into the record (before a restart loses them). */
  async drainEvents(): Promise<void> {
    this.events.push(...(await this.session().drainEvents()));
  }
}
