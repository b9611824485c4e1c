#!/usr/bin/env node
import { randomUUID } from 'node:crypto';
import { muteOnClose } from './closed-output.js';
import { makeInert } from './inert-output.js';
import { main, unexpectedFailure } from './program.js';
import { findTagged, reapTagged, RUN_TAG_VARIABLE } from './reap.js';

// Nothing an app supplied may act on the terminal: both streams print inert text only.
makeInert(process.stdout);
makeInert(process.stderr);
// A reader that goes away (a closed pipe) silences the output, never the run.
muteOnClose(process.stdout);
muteOnClose(process.stderr);

// Every process the run starts inherits this tag, even one that detaches from the process tree
// (Chromium's crash handler does): after the work, whatever still carries it gets a moment to
// exit and is then killed, so nothing the run started outlives it.
// `report --open` is the exception: it hands the report to the person's own browser, which must
// outlive the command.
const tag = `${process.pid}-${randomUUID()}`;
const args = process.argv.slice(2);
const reaps = args[0] !== 'report';
if (reaps) process.env[RUN_TAG_VARIABLE] = tag;
function killTagged(): void {
  for (const proc of findTagged(tag)) {
    try {
      process.kill(proc.pid, 'SIGKILL');
    } catch {
      // it exited meanwhile
    }
  }
}
// Last resort: an exception nothing else caught (a bug, or input no parser expected) ends the
// run with exit 2 and its cause named, never with Node's exit 1, which means "a check failed".
// The processes the run started are killed first: nothing else will stop them now.
const lastResort = (error: unknown) => {
  const code = unexpectedFailure(error);
  if (reaps) killTagged();
  process.exit(code);
};
process.on('uncaughtException', lastResort);
process.on('unhandledRejection', lastResort);

const code = await main(args);
const left = reaps ? await reapTagged(tag) : [];
if (left.length > 0) {
  process.stderr.write(
    `warning: ${left.length} process(es) the run started were still running after it and were killed: ${left.map((proc) => `${proc.comm} (pid ${proc.pid})`).join(', ')}\n`,
  );
}
// Exit as soon as the work is done: a device that stopped answering may leave a request
// pending that would otherwise keep the process alive.
process.exit(code);
