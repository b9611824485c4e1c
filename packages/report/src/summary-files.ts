import { access, copyFile, readdir, readFile, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { ConformanceError, ErrorCodes, reportSchema, summarySchema, type Report, type Summary } from '@conformance/core';
import { REPORT_FILE } from './write.js';
import {
  ALLURE_REPORT_INDEX,
  buildSummary,
  renderSummaryHtml,
  SUMMARY_HTML,
  SUMMARY_JSON,
  SUMMARY_PREVIOUS_JSON,
  type SummaryInput,
} from './summary.js';

export interface SummarizeOptions {
  /** Called once per folder that holds no valid report.json (it is skipped). */
  warn?: (message: string) => void;
  generatedAt?: Date;
}

export interface SummarizeResult {
  summary: Summary;
  jsonPath: string;
  htmlPath: string;
  /** Where the summary it replaced was kept, or null on the first summary. */
  previousPath: string | null;
}

/**
 * Reads every `<dir>/<app>/report.json` (validated against the report schema), compares the
 * failures with the summary.json already in `dir` (kept as summary.previous.json) and writes
 * summary.json and summary.html.
 */
export async function summarizeReportsDir(dir: string, options: SummarizeOptions = {}): Promise<SummarizeResult> {
  const warn = options.warn ?? (() => undefined);
  let entries;
  try {
    if (!(await stat(dir)).isDirectory()) throw Object.assign(new Error('not a folder'), { code: 'ENOTDIR' });
    entries = await readdir(dir, { withFileTypes: true });
  } catch (error) {
    throw new ConformanceError(
      ErrorCodes.USAGE,
      `cannot read the reports folder ${dir} (${(error as NodeJS.ErrnoException).code ?? (error as Error).message})`,
      { hint: 'pass the folder that holds one folder per app (reports/ by default: conformance run writes reports/<app>/)' },
    );
  }
  const inputs: SummaryInput[] = [];
  const skipped: Summary['skipped'] = [];
  for (const entry of entries.filter((candidate) => candidate.isDirectory()).sort((a, b) => a.name.localeCompare(b.name))) {
    const folder = entry.name;
    const reason = await readReport(join(dir, folder, REPORT_FILE));
    if (typeof reason === 'string') {
      skipped.push({ folder, reason });
      warn(`skipping ${folder}/: ${reason}`);
      continue;
    }
    const allure = `${folder}/${ALLURE_REPORT_INDEX}`;
    inputs.push({ folder, report: reason, allureReport: (await exists(join(dir, allure))) ? allure : null });
  }
  if (inputs.length === 0) {
    throw new ConformanceError(ErrorCodes.USAGE, `no valid report.json in any folder of ${dir}`, {
      hint: 'run conformance run --out <dir>/<app> (or npx nx run-many -t conformance) first',
    });
  }
  const jsonPath = join(dir, SUMMARY_JSON);
  const previous = await readPrevious(jsonPath, warn);
  let previousPath: string | null = null;
  if (previous) {
    previousPath = join(dir, SUMMARY_PREVIOUS_JSON);
    await copyFile(jsonPath, previousPath);
  }
  const summary = buildSummary(inputs, {
    previous,
    skipped,
    ...(options.generatedAt ? { generatedAt: options.generatedAt } : {}),
  });
  const htmlPath = join(dir, SUMMARY_HTML);
  await writeFile(jsonPath, `${JSON.stringify(summary, null, 2)}\n`);
  await writeFile(htmlPath, renderSummaryHtml(summary));
  return { summary, jsonPath, htmlPath, previousPath };
}

/** The report, or why the folder has none that can be used. */
async function readReport(file: string): Promise<Report | string> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    return code === 'ENOENT' ? 'no report.json' : `report.json cannot be read (${code ?? (error as Error).message})`;
  }
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch (error) {
    return `report.json is not JSON (${(error as Error).message})`;
  }
  const result = reportSchema.safeParse(data);
  if (!result.success) {
    const issue = result.error.issues[0]!;
    return `report.json does not fit the report schema (${issue.path.join('.') || 'top level'}: ${issue.message}${result.error.issues.length > 1 ? `, and ${result.error.issues.length - 1} more` : ''})`;
  }
  return result.data as Report;
}

/** The summary.json already there; an unreadable one is reported and treated as absent. */
async function readPrevious(file: string, warn: (message: string) => void): Promise<Summary | null> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch {
    return null;
  }
  try {
    return summarySchema.parse(JSON.parse(text));
  } catch {
    warn(`the previous ${SUMMARY_JSON} is not a valid summary; no failure is marked new in this one`);
    return null;
  }
}

async function exists(path: string): Promise<boolean> {
  try {
    await access(path);
    return true;
  } catch {
    return false;
  }
}
