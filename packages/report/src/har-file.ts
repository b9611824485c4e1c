import { createReadStream } from 'node:fs';
import { readFile, stat } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { createInterface } from 'node:readline';
import { BundleFiles, ConformanceError, ErrorCodes, parseJournal, parseRecordLine, type ProxyRecord } from '@conformance/core';
import { toHar, type Har, type HarEntry } from './har.js';

export const JOURNAL_FILE = BundleFiles.flows;

/**
 * Reads a scenario folder (its `flows.jsonl`) or a journal file, with the body files it
 * refers to, and returns its HAR 1.2 log.
 */
export async function readCaptureAsHar(input: string, creator?: { name: string; version: string }): Promise<Har> {
  const journalPath = await journalOf(input);
  const text = await readFile(journalPath, 'utf8');
  const { records } = parseJournal(text, journalPath);
  return toHar(records, { bodyFiles: await readBodyFiles(records, journalPath), ...(creator ? { creator } : {}) });
}

/**
 * The HAR entries of some flows of a scenario folder, by flow id: the journal is read line by
 * line and only those flows' records (request, response, error, WebSocket messages) are kept,
 * and only their body files are read (none with `bodies: false`), so a large capture costs no
 * more memory than its cited flows. A last line cut short (no newline) is left out, as
 * parseJournal does.
 */
export async function readHarEntries(
  scenarioDir: string,
  flowIds: ReadonlySet<string>,
  options: { bodies?: boolean } = {},
): Promise<HarEntry[]> {
  const journalPath = join(scenarioDir, JOURNAL_FILE);
  const records: ProxyRecord[] = [];
  let failed: unknown;
  let line = 0;
  for await (const text of createInterface({ input: createReadStream(journalPath), crlfDelay: Infinity })) {
    line++;
    if (failed !== undefined) throw failed;
    if (text.trim() === '') continue;
    try {
      const record = parseRecordLine(text, `${journalPath}:${line}`);
      if ('id' in record && flowIds.has(record.id)) records.push(record);
    } catch (error) {
      // Thrown if another line follows: only the last line may be cut short.
      failed = error;
    }
  }
  // Without bodies, a body stored in a file keeps its reference (`_file`) and its size only.
  return toHar(records, options.bodies === false ? {} : { bodyFiles: await readBodyFiles(records, journalPath) }).log.entries;
}

/** The body files the records refer to, read from beside the journal. */
async function readBodyFiles(records: readonly ProxyRecord[], journalPath: string): Promise<Map<string, Buffer>> {
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
  return bodyFiles;
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
