import { readFile } from 'node:fs/promises';
import { parseJournal, type ProxyRecord } from '@conformance/core';

/** Reads a journal from disk; a missing file is an empty journal. */
export async function readJournal(file: string): Promise<{ records: ProxyRecord[]; truncated: boolean }> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return { records: [], truncated: false };
    throw error;
  }
  return parseJournal(text, file);
}
