import { readFile, stat } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { BundleFiles, ConformanceError, ErrorCodes, parseJournal } from '@conformance/core';
import { toHar, type Har } from './har.js';

export const JOURNAL_FILE = BundleFiles.flows;

/**
 * Reads a scenario folder (its `flows.jsonl`) or a journal file, with the body files it
 * refers to, and returns its HAR 1.2 log.
 */
export async function readCaptureAsHar(input: string, creator?: { name: string; version: string }): Promise<Har> {
  const journalPath = await journalOf(input);
  const text = await readFile(journalPath, 'utf8');
  const { records } = parseJournal(text, journalPath);
  const scenarioDir = dirname(journalPath);
  const bodyFiles = new Map<string, Buffer>();
  for (const record of records) {
    for (const body of 'body' in record ? [record.body] : []) {
      if (body.encoding !== 'file' || !body.file || bodyFiles.has(body.file)) continue;
      try {
        bodyFiles.set(body.file, await readFile(join(scenarioDir, body.file)));
      } catch (error) {
        throw new ConformanceError(
          ErrorCodes.BUNDLE_INVALID,
          `${journalPath} refers to the body file ${body.file}, which cannot be read`,
          {
            hint: 'the evidence bundle is incomplete; check it with "sha256sum -c SHA256SUMS" in its evidence folder',
            cause: error,
          },
        );
      }
    }
  }
  return toHar(records, { bodyFiles, ...(creator ? { creator } : {}) });
}

async function journalOf(input: string): Promise<string> {
  let info;
  try {
    info = await stat(input);
  } catch (error) {
    throw new ConformanceError(ErrorCodes.USAGE, `${input} does not exist`, {
      hint: `give a scenario folder (one holding ${JOURNAL_FILE}, e.g. reports/<app>/evidence/idle) or a journal file`,
      cause: error,
    });
  }
  if (!info.isDirectory()) return input;
  const journal = join(input, JOURNAL_FILE);
  try {
    await stat(journal);
  } catch (error) {
    throw new ConformanceError(ErrorCodes.USAGE, `${input} holds no ${JOURNAL_FILE}`, {
      hint: 'give a scenario folder of an evidence bundle (e.g. reports/<app>/evidence/idle) or the journal file itself',
      cause: error,
    });
  }
  return journal;
}
