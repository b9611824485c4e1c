import { create } from 'xmlbuilder2';
import type { XMLBuilder } from 'xmlbuilder2/lib/interfaces.js';
import type { CheckResult, ItemResult, Report, SuiteResult } from '@conformance/core';
import { describeEvidence } from './table.js';
import { xmlText } from './xml-text.js';

export const JUNIT_FILE = 'junit.xml';

/** How many evidence references a failure message lists before it says how many more there are. */
const MAX_REFS = 20;

/**
 * What a verdict becomes in JUnit, which knows only passed, failure, error and skipped:
 *
 * | status                        | JUnit                                      |
 * | ----------------------------- | ------------------------------------------ |
 * | pass, attested-pass           | passed (no child)                          |
 * | fail                          | `<failure type="<severity>">`: message = summary and the first evidence reference, text = every reference |
 * | attested-fail                 | `<failure type="attested">` (not observed) |
 * | inconclusive                  | `<error type="inconclusive">`: it could not be decided, which is neither a pass nor a failure of the app |
 * | manual, not-applicable        | `<skipped>` with the reason                |
 * | waived                        | `<skipped type="waived">` with the waiver  |
 * | any other (a newer status)    | `<skipped>` naming the status              |
 */
type Outcome = { kind: 'pass' } | { kind: 'failure' | 'error' | 'skipped'; type: string; message: string; text?: string };

function refsText(evidence: ItemResult['evidence']): string {
  const lines = evidence.slice(0, MAX_REFS).map((ref) => `- ${describeEvidence(ref)}`);
  if (evidence.length > MAX_REFS) lines.push(`- … and ${evidence.length - MAX_REFS} more in report.json`);
  return lines.join('\n');
}

/** The failure message: the summary, then the first evidence reference and how many more there are. */
function withRefs(summary: string, evidence: ItemResult['evidence']): string {
  if (evidence.length === 0) return summary;
  const more = evidence.length > 1 ? ` (+${evidence.length - 1} more)` : '';
  return `${summary} — evidence: ${describeEvidence(evidence[0]!)}${more}`;
}

function itemOutcome(item: ItemResult): Outcome {
  const details = [item.summary, item.evidence.length ? `evidence:\n${refsText(item.evidence)}` : ''].filter(Boolean).join('\n');
  switch (item.status) {
    case 'pass':
    case 'attested-pass':
      return { kind: 'pass' };
    case 'fail':
      return { kind: 'failure', type: item.severity, message: withRefs(item.summary, item.evidence), text: details };
    case 'attested-fail':
      return {
        kind: 'failure',
        type: 'attested',
        message: `${item.summary} (attested by a person, not observed)`,
        text: details,
      };
    case 'inconclusive':
      return { kind: 'error', type: 'inconclusive', message: item.summary, text: details };
    case 'waived':
      return { kind: 'skipped', type: 'waived', message: item.summary, text: details };
    case 'manual':
    case 'not-applicable':
      return { kind: 'skipped', type: item.status, message: item.summary };
    default:
      return { kind: 'skipped', type: String(item.status), message: `${String(item.status)}: ${item.summary}` };
  }
}

function checkOutcome(check: CheckResult): Outcome {
  const details = [check.summary, check.evidence.length ? `evidence:\n${refsText(check.evidence)}` : '']
    .filter(Boolean)
    .join('\n');
  switch (check.status) {
    case 'pass':
      return { kind: 'pass' };
    case 'fail':
      return { kind: 'failure', type: 'fail', message: withRefs(check.summary, check.evidence), text: details };
    case 'inconclusive':
      return { kind: 'error', type: 'inconclusive', message: check.summary, text: details };
    default:
      return { kind: 'skipped', type: String(check.status), message: check.summary };
  }
}

interface Case {
  name: string;
  classname: string;
  outcome: Outcome;
}

/** A message attribute: one line, at most 1,000 characters. */
const attribute = (text: string) => {
  const line = xmlText(text).replace(/\s+/g, ' ').trim();
  return line.length > 1000 ? `${line.slice(0, 999)}…` : line;
};

function addSuite(parent: XMLBuilder, name: string, cases: Case[], properties: Record<string, string>, timestamp: string): void {
  const count = (kind: Outcome['kind']) => cases.filter((c) => c.outcome.kind === kind).length;
  const suite = parent.ele('testsuite', {
    name: attribute(name),
    tests: String(cases.length),
    failures: String(count('failure')),
    errors: String(count('error')),
    skipped: String(count('skipped')),
    timestamp,
    time: '0',
  });
  const props = suite.ele('properties');
  for (const [key, value] of Object.entries(properties)) props.ele('property', { name: key, value: attribute(value) });
  for (const c of cases) {
    const testcase = suite.ele('testcase', { name: attribute(c.name), classname: attribute(c.classname), time: '0' });
    if (c.outcome.kind === 'pass') continue;
    const child = testcase.ele(c.outcome.kind, { type: attribute(c.outcome.type), message: attribute(c.outcome.message) });
    if (c.outcome.text) child.txt(xmlText(c.outcome.text));
  }
}

function suiteCases(suite: SuiteResult): Case[] {
  return suite.items.map((item) => ({
    name: `${item.id}: ${item.title}`,
    classname: `${suite.id}.${item.instrument} ${item.clause}`,
    outcome: itemOutcome(item),
  }));
}

/**
 * The report as JUnit XML (the common Ant/Surefire dialect CI systems read; it validates
 * against the Jenkins junit-10.xsd): one `<testsuite>` per suite, one `<testcase>` per suite
 * item. With no suite in the report, one `<testsuite name="checks">` holds a case per check.
 * Every text is stripped of control characters and escaped: app-supplied text never becomes markup.
 */
export function toJunitXml(report: Report): string {
  const root = create({ version: '1.0', encoding: 'UTF-8' }).ele('testsuites', {
    name: attribute(`conformance ${report.app.name}`),
  });
  const common = {
    app: report.app.name,
    platform: report.app.platform,
    device: report.device,
    tool: `conformance ${report.tool.version}`,
  };
  const groups: { name: string; cases: Case[]; properties: Record<string, string> }[] = report.suites.length
    ? report.suites.map((suite) => ({
        name: suite.id,
        cases: suiteCases(suite),
        properties: {
          ...common,
          suite: suite.title,
          score: suite.score === null ? '-' : String(suite.score),
          grade: suite.grade ?? '-',
          coverage: String(suite.coverage),
        },
      }))
    : [
        {
          name: 'checks',
          cases: report.checks.map((check) => ({
            name: check.id,
            classname: 'conformance.checks',
            outcome: checkOutcome(check),
          })),
          properties: common,
        },
      ];
  const all = groups.flatMap((group) => group.cases);
  root.att({
    tests: String(all.length),
    failures: String(all.filter((c) => c.outcome.kind === 'failure').length),
    errors: String(all.filter((c) => c.outcome.kind === 'error').length),
    time: '0',
  });
  for (const group of groups) addSuite(root, group.name, group.cases, group.properties, report.startedAt);
  return `${root.end({ prettyPrint: true })}\n`;
}
