import type { Report } from '@conformance/core';
import { printable } from './table.js';

/**
 * The waivers part of the terminal summary: the items a waiver accepted (with its owner and
 * expiry) and, flagged, every waiver that has expired and no longer applies. Empty when the
 * run had no waiver file.
 */
export function formatWaivers(report: Report): string {
  if (!report.waivers) return '';
  const lines: string[] = [];
  const waived = report.suites.flatMap((suite) => suite.items.filter((item) => item.status === 'waived'));
  const checks = report.waivers.entries.filter((entry) => entry.state === 'active').flatMap((entry) => entry.checks);
  if (waived.length + checks.length > 0) {
    lines.push(`Waived (${printable(report.waivers.file)}; not passed, not counted by --fail-on):`);
    for (const item of waived) {
      const waiver = item.waiver;
      lines.push(
        `  ${item.id}  [${item.severity}]  ${printable(item.title)}${waiver ? `  until ${waiver.expires} (${printable(waiver.owner)}: ${printable(waiver.reason)})` : ''}`,
      );
    }
    for (const check of [...new Set(checks)]) lines.push(`  check ${check}`);
  }
  const expired = report.waivers.entries.filter((entry) => entry.state === 'expired');
  if (expired.length > 0) {
    lines.push(`EXPIRED waivers (no longer applied; renew or remove them in ${printable(report.waivers.file)}):`);
    for (const entry of expired) {
      lines.push(
        `  ${entry.item ?? `check ${entry.check}`}${entry.host ? ` on ${printable(entry.host)}` : ''}  expired ${entry.expires}  (${printable(entry.owner)}: ${printable(entry.reason)})`,
      );
    }
  }
  return lines.join('\n');
}
