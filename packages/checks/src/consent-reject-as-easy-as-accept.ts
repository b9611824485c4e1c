import type { ControlMeasure, EvidenceRef } from '@conformance/core';
import { allPlatforms, defineCheck, type CheckDefinition } from './define.js';
import { shownDialog } from './helpers.js';

/** How much less prominent than accept the reject control may be. */
export interface RejectProminenceOptions {
  /** Reject's rendered area at least this share of accept's (default 0.5). */
  minAreaRatio: number;
  /** Reject's font size at least this share of accept's (default 0.8). */
  minFontRatio: number;
  /** Reject's text contrast is enough when at least this WCAG ratio (default 3, the large-text minimum) … */
  minContrast: number;
  /** … or at least this share of accept's contrast (default 0.7). */
  minContrastShareOfAccept: number;
  /** Taps reject may need beyond accept's (default 0: both on the first layer). */
  maxExtraTaps: number;
}

export const defaultRejectProminence: RejectProminenceOptions = {
  minAreaRatio: 0.5,
  minFontRatio: 0.8,
  minContrast: 3,
  minContrastShareOfAccept: 0.7,
  maxExtraTaps: 0,
};

type Verdict = 'ok' | 'fail' | 'unknown';

/** Compares reject with accept on each measure; `unknown` where a measure is missing. */
export function compareProminence(
  accept: ControlMeasure,
  reject: ControlMeasure,
  options: RejectProminenceOptions = defaultRejectProminence,
): { criterion: string; verdict: Verdict; detail: string }[] {
  const share = (a: number, b: number) => (b === 0 ? Infinity : a / b);
  const percent = (value: number) => `${Math.round(value * 100)} %`;
  const areaShare = share(reject.area, accept.area);
  const rows: { criterion: string; verdict: Verdict; detail: string }[] = [
    {
      criterion: 'taps',
      verdict: reject.tapsAway - accept.tapsAway <= options.maxExtraTaps ? 'ok' : 'fail',
      detail: `reject ${reject.tapsAway} tap(s) away, accept ${accept.tapsAway} (at most ${options.maxExtraTaps} more allowed)`,
    },
    {
      criterion: 'area',
      verdict: areaShare >= options.minAreaRatio ? 'ok' : 'fail',
      detail: `reject ${Math.round(reject.area)} px², accept ${Math.round(accept.area)} px² (${percent(areaShare)}; at least ${percent(options.minAreaRatio)} required)`,
    },
  ];
  if (reject.fontSizePx === null || accept.fontSizePx === null) {
    rows.push({ criterion: 'font size', verdict: 'unknown', detail: 'font size not measured' });
  } else {
    const fontShare = share(reject.fontSizePx, accept.fontSizePx);
    rows.push({
      criterion: 'font size',
      verdict: fontShare >= options.minFontRatio ? 'ok' : 'fail',
      detail: `reject ${reject.fontSizePx} px, accept ${accept.fontSizePx} px (${percent(fontShare)}; at least ${percent(options.minFontRatio)} required)`,
    });
  }
  if (reject.contrast === null) {
    rows.push({ criterion: 'contrast', verdict: 'unknown', detail: "reject's contrast not measured" });
  } else {
    const enough =
      reject.contrast >= options.minContrast ||
      (accept.contrast !== null && reject.contrast >= options.minContrastShareOfAccept * accept.contrast);
    rows.push({
      criterion: 'contrast',
      verdict: enough ? 'ok' : accept.contrast === null ? 'unknown' : 'fail',
      detail: `reject ${reject.contrast.toFixed(2)}:1, accept ${accept.contrast === null ? 'not measured' : `${accept.contrast.toFixed(2)}:1`} (at least ${options.minContrast}:1 or ${percent(options.minContrastShareOfAccept)} of accept's required)`,
    });
  }
  return rows;
}

/**
 * Refusing is as easy as accepting on the first layer: the reject control is about as
 * prominent as accept (rendered area, font size, WCAG contrast of its text against its
 * background) and needs no extra tap. The thresholds are `RejectProminenceOptions`; the
 * measurements are recorded in the evidence. Inconclusive when they were not taken.
 */
export function defineRejectAsEasyAsAcceptCheck(options: RejectProminenceOptions = defaultRejectProminence): CheckDefinition {
  return defineCheck({
    id: 'consent.reject-as-easy-as-accept',
    title: 'Rejecting is as easy as accepting on the first layer',
    severity: 'high',
    platforms: allPlatforms,
    scenarios: ['idle'],
    evaluate({ scenarios }) {
      const shown = shownDialog(scenarios);
      if ('outcome' in shown) return shown.outcome;
      const { dialog, shot } = shown;
      if (!dialog.rejectOnFirstLayer) {
        return { status: 'fail', summary: 'the dialog offers no reject control on its first layer', evidence: shot };
      }
      const accept = dialog.controls?.accept;
      const reject = dialog.controls?.reject;
      if (!accept || !reject) {
        const missing = [accept ? '' : 'accept', reject ? '' : 'reject'].filter(Boolean).join(' and ');
        return { status: 'inconclusive', summary: `the ${missing} control was not measured`, evidence: shot };
      }
      const rows = compareProminence(accept, reject, options);
      const evidence: EvidenceRef[] = [
        ...shot,
        ...rows.map((row): EvidenceRef => ({ kind: 'note', detail: `${row.criterion}: ${row.verdict} — ${row.detail}` })),
      ];
      const failed = rows.filter((row) => row.verdict === 'fail');
      if (failed.length > 0) {
        return {
          status: 'fail',
          summary: `reject ("${reject.text}") is less prominent than accept ("${accept.text}"): ${failed.map((row) => row.detail).join('; ')}`,
          evidence,
        };
      }
      const unknown = rows.filter((row) => row.verdict === 'unknown');
      if (unknown.length > 0) {
        return {
          status: 'inconclusive',
          summary: `reject is as prominent as accept where measured, but ${unknown.map((row) => row.criterion).join(' and ')} could not be measured`,
          evidence,
        };
      }
      return {
        status: 'pass',
        summary: `reject ("${reject.text}") is about as prominent as accept ("${accept.text}")`,
        evidence,
      };
    },
  });
}

export const consentRejectAsEasyAsAccept = defineRejectAsEasyAsAcceptCheck();
