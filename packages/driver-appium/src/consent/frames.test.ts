import { describe, expect, it, vi } from 'vitest';
import type { ControlMeasure } from '@conformance/core';
import { AutoconsentHost, ruleApplies, type AutoconsentMessage } from './autoconsent.js';
import { FRAME_SEPARATOR, inFrameSelector, splitFrameSelector } from './frames.js';
import { chooseConsent, locateConsent, type ConsentFrame, type ConsentPage } from './locate.js';
import type { UiSnapshot } from './heuristics.js';

const frameDialog: UiSnapshot = {
  viewport: { width: 400, height: 280 },
  containers: [
    {
      selector: 'div:nth-of-type(1)',
      text: 'We and our partner use cookies to measure how you read this app.',
      kind: 'dialog',
      rect: { x: 0, y: 0, width: 400, height: 280 },
    },
  ],
  controls: [
    { selector: '#no', text: 'Reject all', role: 'button', rect: { x: 10, y: 200, width: 180, height: 40 }, container: 0 },
    { selector: '#yes', text: 'Accept all', role: 'button', rect: { x: 210, y: 200, width: 180, height: 40 }, container: 0 },
  ],
};
const empty: UiSnapshot = { viewport: { width: 400, height: 800 }, containers: [], controls: [] };
const newsPage: UiSnapshot = {
  viewport: { width: 400, height: 800 },
  containers: [],
  controls: [
    {
      selector: '#article-1',
      text: 'Rain tomorrow',
      role: 'link',
      rect: { x: 0, y: 100, width: 300, height: 20 },
      container: null,
    },
  ],
};

function page(top: UiSnapshot, frames: Partial<ConsentFrame>[] = [], extra: Partial<ConsentPage> = {}) {
  const taps: string[] = [];
  const listed: ConsentFrame[] = frames.map((frame, index) => ({
    selector: `#f${index}`,
    origin: `https://cmp${index}.example.test`,
    snapshot: async () => empty,
    ...frame,
  }));
  const consentPage: ConsentPage & { taps: string[] } = {
    taps,
    snapshot: async () => top,
    waitForDisplayed: async () => true,
    waitForGone: async () => true,
    exists: async () => true,
    tap: async (selector) => {
      taps.push(selector);
    },
    measure: async (selector, tapsAway): Promise<ControlMeasure> => ({
      selector,
      text: selector,
      area: 100,
      fontSizePx: 12,
      contrast: 4.5,
      tapsAway,
    }),
    frames: async () => listed,
    frameAutoconsent: (selector) => listed.find((frame) => frame.selector === selector)?.autoconsent,
    ...extra,
  };
  return consentPage;
}

describe('frame selectors', () => {
  it('are written through the iframe and read back; a plain selector has no frame', () => {
    const selector = inFrameSelector('#consent-frame', 'button.accept');
    expect(selector).toBe(`#consent-frame${FRAME_SEPARATOR}button.accept`);
    expect(splitFrameSelector(selector)).toEqual({ frame: '#consent-frame', inner: 'button.accept' });
    expect(splitFrameSelector('div > button')).toEqual({ inner: 'div > button' });
    expect(inFrameSelector(undefined, '#a')).toBe('#a');
  });
});

describe('locateConsent in iframes', () => {
  it('finds a dialog that lives in an iframe, writes its selectors through the frame and records the frame', async () => {
    const location = await locateConsent(page(newsPage, [{}, { snapshot: async () => frameDialog }]), undefined, 1_000);
    const frame = { selector: '#f1', origin: 'https://cmp1.example.test' };
    expect(location).toMatchObject({
      found: true,
      frame,
      dialog: '#f1 |> div:nth-of-type(1)',
      accept: '#f1 |> #yes',
      reject: '#f1 |> #no',
      sources: {
        dialog: { method: 'heuristic', frame },
        accept: { method: 'heuristic', rule: 'accept all', frame },
        reject: { method: 'heuristic', frame },
      },
    });
  });

  it('negative control: a dialog in the top document wins and carries no frame; frames without a dialog add only candidates', async () => {
    const top: UiSnapshot = {
      ...frameDialog,
      viewport: { width: 400, height: 800 },
      containers: [{ ...frameDialog.containers[0]!, kind: 'banner' }],
    };
    const inTop = await locateConsent(page(top, [{ snapshot: async () => frameDialog }]), undefined, 1_000);
    expect(inTop).toMatchObject({ found: true, accept: '#yes' });
    expect(inTop.frame).toBeUndefined();
    expect(inTop.sources.accept).not.toHaveProperty('frame');

    const weak: UiSnapshot = {
      ...frameDialog,
      containers: [],
      controls: frameDialog.controls.map((c) => ({ ...c, container: null })),
    };
    const none = await locateConsent(page(newsPage, [{ snapshot: async () => weak }]), undefined, 300);
    expect(none.found).toBe(false);
    expect(none.candidates.map((candidate) => candidate.selector)).toContain('#f0 |> #yes');
  });

  it('taps the controls through the frame, and the second layer is looked for in the same frame', async () => {
    const firstLayer: UiSnapshot = {
      ...frameDialog,
      controls: [
        { selector: '#yes', text: 'Accept all', role: 'button', rect: { x: 210, y: 200, width: 180, height: 40 }, container: 0 },
        {
          selector: '#more',
          text: 'More options',
          role: 'button',
          rect: { x: 10, y: 200, width: 180, height: 40 },
          container: 0,
        },
      ],
    };
    let snapshot = firstLayer;
    const consentPage = page(newsPage, [{ snapshot: async () => snapshot }]);
    const location = await locateConsent(consentPage, undefined, 1_000);
    expect(location.settings).toBe('#f0 |> #more');
    snapshot = frameDialog;
    const choice = await chooseConsent(consentPage, 'reject', location);
    expect(consentPage.taps).toEqual(['#f0 |> #more', '#f0 |> #no']);
    expect(choice).toMatchObject({ selector: '#f0 |> #no', tapsAway: 1, source: { frame: { selector: '#f0' } } });
  });
});

describe('autoconsent in iframes', () => {
  it('frame instances get only the rules whose run context includes frames; the top gets the others', () => {
    const frameOnly = { name: 'f', runContext: { main: false, frame: true } };
    const both = { name: 'b', runContext: { main: true, frame: true } };
    const topOnly = { name: 't' };
    expect([frameOnly, both, topOnly].filter((rule) => ruleApplies(rule, 'https://x.test/', false)).map((r) => r.name)).toEqual([
      'f',
      'b',
    ]);
    expect([frameOnly, both, topOnly].filter((rule) => ruleApplies(rule, 'https://x.test/', true)).map((r) => r.name)).toEqual([
      'b',
      't',
    ]);
  });

  it('injects the page script into a frame that does not have it, then answers its init with the frame rules', async () => {
    const queues: (AutoconsentMessage[] | null)[] = [null, [{ type: 'init', url: 'https://cmp.example.test/' }]];
    const sent: unknown[][] = [];
    let injected = 0;
    const host = new AutoconsentHost(
      async <T>(script: string, ...args: unknown[]) => {
        if (script.includes('splice')) return (queues.length > 0 ? queues.shift() : []) as T;
        sent.push(args);
        return true as T;
      },
      [{ name: 'frame-rule', runContext: { main: false, frame: true } }, { name: 'top-rule' }],
      { mainFrame: false, inject: async () => void injected++ },
    );
    expect(await host.pump()).toEqual([]);
    expect(injected).toBe(1);
    await host.pump();
    expect(injected).toBe(1);
    expect(JSON.parse(sent[0]![1] as string)).toEqual([{ name: 'frame-rule', runContext: { main: false, frame: true } }]);
  });

  it('a CMP rule that reports its popup from an iframe is operated through that frame’s instance', async () => {
    const frameMessages: AutoconsentMessage[][] = [
      [
        { type: 'cmpDetected', cmp: 'framed-cmp' },
        { type: 'popupFound', cmp: 'framed-cmp' },
      ],
    ];
    const commands: string[] = [];
    const frameHost = new AutoconsentHost(
      async <T>(script: string, ...args: unknown[]) => {
        if (script.includes('splice')) return (frameMessages.shift() ?? []) as T;
        commands.push(String(args[0]));
        if (args[0] === 'optOut') frameMessages.push([{ type: 'optOutResult', result: true }]);
        return true as T;
      },
      [{ name: 'framed-cmp', runContext: { main: false, frame: true }, optOut: [{ click: '#deny' }] }],
      { mainFrame: false },
    );
    const topHost = new AutoconsentHost(async <T>() => [] as T, []);
    const consentPage = page(newsPage, [{ snapshot: async () => empty, autoconsent: frameHost }], { autoconsent: topHost });
    const location = await locateConsent(consentPage, undefined, 1_000);
    expect(location).toMatchObject({
      found: true,
      cmp: 'framed-cmp',
      frame: { selector: '#f0' },
      sources: { accept: { method: 'cmp-rule', rule: 'framed-cmp', frame: { selector: '#f0' } } },
    });
    const choice = await chooseConsent(consentPage, 'reject', location);
    expect(commands).toContain('optOut');
    expect(choice).toMatchObject({ selector: '#f0 |> #deny', source: { method: 'cmp-rule', rule: 'framed-cmp' } });
  });

  it('a dialog the heuristics see in a frame waits for the frame rules, which start late, before falling back', async () => {
    // The frame's instance is injected when the frame is first seen; its rule reports after init.
    const queue: (AutoconsentMessage[] | null)[] = [
      null,
      ...Array.from({ length: 5 }, () => []),
      [{ type: 'init', url: 'https://cmp0.example.test/' }],
      ...Array.from({ length: 4 }, () => []),
    ];
    const host = new AutoconsentHost(
      async <T>(script: string) => {
        if (!script.includes('splice')) return true as T;
        if (queue.length > 0) return queue.shift() as T;
        return [{ type: 'popupFound', cmp: 'framed-cmp' }] as T;
      },
      [{ name: 'framed-cmp', runContext: { main: false, frame: true }, optOut: [{ click: '#no' }] }],
      { mainFrame: false, inject: async () => undefined },
    );
    const topHost = new AutoconsentHost(async <T>() => [] as T, []);
    const consentPage = page(newsPage, [{ snapshot: async () => frameDialog, autoconsent: host }], { autoconsent: topHost });
    const location = await locateConsent(consentPage, undefined, 10_000);
    expect(location).toMatchObject({
      cmp: 'framed-cmp',
      sources: { accept: { method: 'heuristic' }, reject: { method: 'cmp-rule' } },
    });
  });

  const framedRule = (onSend: (messages: AutoconsentMessage[][]) => void) => {
    const frameMessages: AutoconsentMessage[][] = [[{ type: 'popupFound', cmp: 'framed-cmp' }]];
    return new AutoconsentHost(
      async <T>(script: string, ...args: unknown[]) => {
        if (script.includes('splice')) return (frameMessages.shift() ?? []) as T;
        if (args[0] === 'optOut') onSend(frameMessages);
        return true as T;
      },
      [{ name: 'framed-cmp', runContext: { main: false, frame: true }, optOut: [{ click: '#deny' }] }],
      { mainFrame: false },
    );
  };

  it('a frame the page removes before the rule reports: the choice is taken as made, and says the frame closed', async () => {
    let frameThere = true;
    const host = framedRule(() => void (frameThere = false));
    const consentPage = page(newsPage, [{ autoconsent: host }], {
      exists: async (selector) => (selector === '#f0' ? frameThere : true),
      waitForGone: async () => !frameThere,
    });
    const location = await locateConsent(consentPage, undefined, 1_000);
    const choice = await chooseConsent(consentPage, 'reject', location);
    expect(choice).toMatchObject({ frameClosed: true, source: { method: 'cmp-rule', rule: 'framed-cmp' } });
  });

  it('negative control: a frame that stays open without a result ends in CONF_CONSENT_NOT_FOUND', async () => {
    const host = framedRule(() => undefined);
    const consentPage = page(newsPage, [{ autoconsent: host }], { waitForGone: async () => false });
    const location = await locateConsent(consentPage, undefined, 1_000);
    vi.useFakeTimers();
    try {
      const refused = expect(chooseConsent(consentPage, 'reject', location)).rejects.toMatchObject({
        code: 'CONF_CONSENT_NOT_FOUND',
        message: expect.stringContaining('no optOutResult'),
      });
      await vi.advanceTimersByTimeAsync(20_000);
      await refused;
    } finally {
      vi.useRealTimers();
    }
  });

  /** A frame whose document the app can replace (a relaunch): each new document starts without autoconsent. */
  const reloadingFrame = (detects: () => boolean) => {
    const fresh = () => ({ queue: null as AutoconsentMessage[] | null, stamp: undefined as unknown, found: false });
    let doc = fresh();
    const commands: string[] = [];
    const host = new AutoconsentHost(
      async <T>(script: string, ...args: unknown[]) => {
        if (script.includes('splice')) return (doc.queue ? doc.queue.splice(0) : null) as T;
        if (script.includes('initResp')) {
          doc.stamp = args[3];
          if (detects()) {
            doc.found = true;
            doc.queue!.push({ type: 'cmpDetected', cmp: 'framed-cmp' }, { type: 'popupFound', cmp: 'framed-cmp' });
          }
          return true as T;
        }
        if (script.includes('=== arguments[1]')) return (doc.stamp === args[1]) as T;
        commands.push(String(args[0]));
        // A choice reaches the rule only in a document where it has found its popup.
        if (doc.found) doc.queue!.push({ type: `${String(args[0])}Result` as 'optOutResult', result: true });
        return true as T;
      },
      [{ name: 'framed-cmp', runContext: { main: false, frame: true }, optIn: [{ click: '#ok' }], optOut: [{ click: '#deny' }] }],
      {
        mainFrame: false,
        inject: async () => {
          doc.queue = [{ type: 'init', url: 'https://cmp0.example.test/' }];
        },
      },
    );
    return { host, commands, navigate: () => void (doc = fresh()) };
  };

  it('after a relaunch the frame rule is started in the new document and has found the dialog again before the choice is sent', async () => {
    const frame = reloadingFrame(() => true);
    const consentPage = page(newsPage, [{ autoconsent: frame.host }], {
      autoconsent: new AutoconsentHost(async <T>() => [] as T, []),
      waitForGone: async () => false,
    });
    const location = await locateConsent(consentPage, undefined, 5_000);
    expect(location).toMatchObject({ cmp: 'framed-cmp', frame: { selector: '#f0' } });
    expect(await chooseConsent(consentPage, 'accept', location)).toMatchObject({ source: { rule: 'framed-cmp' } });
    // The app is relaunched: the frame shows a new document, with no autoconsent in it yet.
    frame.navigate();
    const again = await chooseConsent(consentPage, 'reject', location);
    expect(again).toMatchObject({ selector: '#f0 |> #deny', source: { method: 'cmp-rule', rule: 'framed-cmp' } });
    expect(frame.commands).toEqual(['optIn', 'optOut']);
  });

  it('negative control: after a relaunch where the rule never finds its dialog again, CONF_CONSENT_NOT_FOUND and nothing is sent', async () => {
    let first = true;
    const frame = reloadingFrame(() => {
      const detects = first;
      first = false;
      return detects;
    });
    const consentPage = page(newsPage, [{ autoconsent: frame.host }], {
      autoconsent: new AutoconsentHost(async <T>() => [] as T, []),
      waitForGone: async () => false,
    });
    const location = await locateConsent(consentPage, undefined, 5_000);
    frame.navigate();
    vi.useFakeTimers();
    try {
      const refused = expect(chooseConsent(consentPage, 'reject', location)).rejects.toMatchObject({
        code: 'CONF_CONSENT_NOT_FOUND',
        message: expect.stringContaining('did not find its dialog again'),
      });
      await vi.advanceTimersByTimeAsync(20_000);
      await refused;
    } finally {
      vi.useRealTimers();
    }
    expect(frame.commands).toEqual([]);
  });
});
