/**
 * Consent-management platforms recognised by the rules of @duckduckgo/autoconsent (MPL-2.0,
 * used unmodified as an npm dependency). Its page script runs before the app's scripts; over
 * WebDriver there is no binding, so a small shim queues the messages it sends and answers its
 * `eval` requests in the page, and the host polls the queue and answers `init` with the rules.
 * Detection is reported by `cmpDetected` / `popupFound`; choices are the rule's own opt-in and
 * opt-out steps, confirmed by `optInResult` / `optOutResult`.
 */
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';

const require = createRequire(import.meta.url);

/** Where the shim keeps the messages autoconsent sent, until the host drains them. */
export const AUTOCONSENT_QUEUE = '__conformanceAutoconsent__';
/** Set in a document when its init is answered: which answer it got, so a new document is told apart. */
export const AUTOCONSENT_DOCUMENT = '__conformanceAutoconsentDocument__';

export interface AutoconsentMessage {
  type: string;
  cmp?: string;
  result?: boolean;
  url?: string;
  details?: unknown;
  [key: string]: unknown;
}

type Step = Record<string, unknown>;
export interface AutoconsentRule {
  name: string;
  detectPopup?: Step[];
  optIn?: Step[];
  optOut?: Step[];
  runContext?: { main?: boolean; frame?: boolean; urlPattern?: string };
}

let cachedScript: string | undefined;
let cachedRules: AutoconsentRule[] | undefined;

/** The library's directory (its `exports` do not list the page script, so it is found next to its main file). */
function packageDist(): string {
  return dirname(require.resolve('@duckduckgo/autoconsent'));
}

/** The JSON rules (with opt-in steps) shipped with the package. */
export function autoconsentRules(): AutoconsentRule[] {
  cachedRules ??= (
    JSON.parse(readFileSync(require.resolve('@duckduckgo/autoconsent/rules/rules.json'), 'utf8')) as {
      autoconsent: AutoconsentRule[];
    }
  ).autoconsent;
  return cachedRules;
}

/** The shim and autoconsent's page script, to inject before any page script. */
export function autoconsentPageScript(): string {
  cachedScript ??= readFileSync(join(packageDist(), 'autoconsent.playwright.js'), 'utf8');
  const shim = `(() => {
  const KEY = ${JSON.stringify(AUTOCONSENT_QUEUE)};
  if (Object.prototype.hasOwnProperty.call(window, KEY)) return;
  const queue = [];
  Object.defineProperty(window, KEY, { value: queue, enumerable: false });
  window.autoconsentSendMessage = (message) => {
    if (message && message.type === 'eval') {
      Promise.resolve()
        .then(() => (0, eval)(message.code))
        .catch(() => false)
        .then((result) => window.autoconsentReceiveMessage({ id: message.id, type: 'evalResp', result: !!result }));
    } else if (message && message.type !== 'report') {
      queue.push(JSON.parse(JSON.stringify(message)));
    }
    return Promise.resolve();
  };
})();`;
  // Every frame gets its own instance, as in autoconsent's extension: rules with a frame run
  // context detect and operate dialogs inside iframes. Each stays idle until its init is answered.
  return `${shim}\nif (Object.prototype.hasOwnProperty.call(window, ${JSON.stringify(AUTOCONSENT_QUEUE)})) {\n${cachedScript}\n}`;
}

/** The configuration autoconsent is started with: detect only; the harness asks for opt-in or opt-out. */
export const AUTOCONSENT_CONFIG = {
  enabled: true,
  autoAction: null,
  disabledCmps: [],
  enablePrehide: false,
  enableCosmeticRules: false,
  enableGeneratedRules: true,
  enableHeuristicDetection: false,
  detectRetries: 20,
  isMainWorld: true,
  visualTest: false,
  logs: { lifecycle: false, rulesteps: false, detectionsteps: false, evals: false, errors: false, messages: false, waits: false },
};

/** The page side the host talks to: run a function in the page with arguments. */
export type PageRunner = <T>(script: string, ...args: unknown[]) => Promise<T>;

export interface AutoconsentHostOptions {
  /**
   * False for an iframe's instance: it is given the rules whose run context includes frames
   * (autoconsent's own split between top-frame and frame rules). Default true.
   */
  mainFrame?: boolean;
  /**
   * Puts the page script into a document that does not have it yet: iframes on another origin
   * are separate renderer targets that the script injected before page scripts does not reach.
   */
  inject?: () => Promise<void>;
}

/** Polls autoconsent's messages in one document (the page, or one iframe) and answers them. */
export class AutoconsentHost {
  /** Every message received from the page, in order, across navigations. */
  readonly messages: AutoconsentMessage[] = [];
  /** When the last `init` was answered: from then on the rules are running in the document. */
  initAnsweredAt: number | undefined;
  private readonly rules: AutoconsentRule[];
  private readonly mainFrame: boolean;
  /** How many inits this host answered; the latest document carries the number. */
  private answered = 0;

  constructor(
    private readonly run: PageRunner,
    rules: AutoconsentRule[] = autoconsentRules(),
    private readonly options: AutoconsentHostOptions = {},
  ) {
    this.rules = rules;
    this.mainFrame = options.mainFrame ?? true;
  }

  /** Drains the page's queue, answers `init`, and returns what arrived. */
  async pump(): Promise<AutoconsentMessage[]> {
    const queued = await this.run<AutoconsentMessage[] | null>(
      `const queue = window[arguments[0]]; return queue ? queue.splice(0) : null;`,
      AUTOCONSENT_QUEUE,
    );
    if (queued === null && this.options.inject) {
      await this.options.inject();
      return [];
    }
    const drained = queued ?? [];
    for (const message of drained) {
      this.messages.push(message);
      if (message.type === 'init') {
        const url = typeof message.url === 'string' ? message.url : '';
        // The rules go as one JSON string: WebDriver clients walk object arguments looking for
        // element references, which takes minutes on a rule set this large.
        this.answered += 1;
        await this.run(
          `window.autoconsentReceiveMessage({ type: 'initResp', config: arguments[0], rules: { autoconsent: JSON.parse(arguments[1]) } }); window[arguments[2]] = arguments[3]; return true;`,
          AUTOCONSENT_CONFIG,
          JSON.stringify(this.rules.filter((rule) => ruleApplies(rule, url, this.mainFrame))),
          AUTOCONSENT_DOCUMENT,
          this.answered,
        );
        this.initAnsweredAt = Date.now();
      }
    }
    return drained;
  }

  /**
   * Whether the page's autoconsent can be asked for a choice with the `cmp` rule: the document
   * it runs in is the one whose init this host answered last, and the rule has found its popup
   * there since. After a navigation (a relaunch, a frame reloaded) the new document's instance
   * is started (injected, init answered) and this waits, up to `timeoutMs`, for the rule to find
   * its popup again; a choice sent earlier would reach no rule.
   */
  async ready(cmp: string, timeoutMs: number): Promise<boolean> {
    const end = Date.now() + timeoutMs;
    for (;;) {
      if (this.initAnsweredAt === undefined || (await this.sameDocument())) {
        let lastInit = -1;
        this.messages.forEach((message, index) => {
          if (message.type === 'init') lastInit = index;
        });
        const since = this.messages.slice(lastInit + 1);
        if (lastInit < 0 || since.some((message) => message.type === 'popupFound' && message.cmp === cmp)) return true;
      }
      if (Date.now() >= end) return false;
      await this.pump();
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
  }

  private async sameDocument(): Promise<boolean> {
    const same = await this.run<boolean | null>(
      `return window[arguments[0]] === arguments[1];`,
      AUTOCONSENT_DOCUMENT,
      this.answered,
    );
    return same === true;
  }

  /** Sends `optIn` or `optOut` to the page's autoconsent. */
  async send(type: 'optIn' | 'optOut'): Promise<void> {
    this.messages.length = 0;
    await this.run(`window.autoconsentReceiveMessage({ type: arguments[0] }); return true;`, type);
  }

  /** Pumps until a message matches, or `timeoutMs` passes. */
  async waitFor(match: (message: AutoconsentMessage) => boolean, timeoutMs: number): Promise<AutoconsentMessage | undefined> {
    const end = Date.now() + timeoutMs;
    for (;;) {
      const found = this.messages.find(match);
      if (found) return found;
      await this.pump();
      const arrived = this.messages.find(match);
      if (arrived) return arrived;
      if (Date.now() >= end) return undefined;
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
  }

  /** The detected CMP's name, once `cmpDetected` arrived. */
  detected(): string | undefined {
    return this.messages.find((message) => message.type === 'cmpDetected')?.cmp;
  }

  popupFound(): string | undefined {
    return this.messages.find((message) => message.type === 'popupFound')?.cmp;
  }

  rule(name: string): AutoconsentRule | undefined {
    return this.rules.find((rule) => rule.name === name);
  }
}

/** autoconsent's run context: a rule runs in the top frame unless `main: false`, in iframes only with `frame: true`. */
export function ruleApplies(rule: AutoconsentRule, url: string, mainFrame = true): boolean {
  if (mainFrame ? rule.runContext?.main === false : rule.runContext?.frame !== true) return false;
  if (!rule.runContext?.urlPattern) return true;
  try {
    return new RegExp(rule.runContext.urlPattern).test(url);
  } catch {
    return false;
  }
}

/** What a rule says about where its dialog and controls are. */
export interface RuleSelectors {
  dialog?: string;
  accept?: string;
  reject?: string;
  /** The control tapped before reject, when opting out takes more than one tap. */
  settings?: string;
  /** Taps before the reject control (0 = first layer). */
  rejectTapsAway: number;
}

/**
 * The CSS selectors a JSON rule clicks to opt in and out, following its `if` branches with
 * `exists` (asked of the page). Code-based rules and selectors that pierce shadow roots or
 * frames (arrays) give nothing; the heuristics measure those dialogs instead.
 */
export async function ruleSelectors(
  rule: AutoconsentRule,
  exists: (selector: string) => Promise<boolean>,
): Promise<RuleSelectors> {
  const dialog = rule.detectPopup
    ?.map((step) => (step.negated ? undefined : (step.visible ?? step.exists)))
    .find((selector): selector is string => typeof selector === 'string');
  const accept = (await clicks(rule.optIn ?? [], exists)).at(-1);
  const rejectPath = await clicks(rule.optOut ?? [], exists);
  return {
    ...(dialog ? { dialog } : {}),
    ...(accept ? { accept } : {}),
    ...(rejectPath.length ? { reject: rejectPath.at(-1)! } : {}),
    ...(rejectPath.length > 1 ? { settings: rejectPath[0]! } : {}),
    rejectTapsAway: Math.max(0, rejectPath.length - 1),
  };
}

async function clicks(steps: readonly Step[], exists: (selector: string) => Promise<boolean>): Promise<string[]> {
  const out: string[] = [];
  for (const step of steps) {
    if (step.optional) continue;
    const target = step.waitForThenClick ?? step.click;
    if (typeof target === 'string') out.push(target);
    if (step.if && typeof step.if === 'object') {
      const condition = step.if as Step;
      const selector = condition.exists ?? condition.visible;
      if (typeof selector !== 'string') return out;
      const holds = await exists(selector);
      out.push(...(await clicks(((holds ? step.then : step.else) as Step[] | undefined) ?? [], exists)));
    }
  }
  return out;
}
