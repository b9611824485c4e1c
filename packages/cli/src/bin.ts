#!/usr/bin/env node
import { makeInert } from './inert-output.js';
import { main, unexpectedFailure } from './program.js';

// Nothing an app supplied may act on the terminal: both streams print inert text only.
makeInert(process.stdout);
makeInert(process.stderr);

// Last resort: an exception nothing else caught (a bug, or input no parser expected) ends the
// run with exit 2 and its cause named, never with Node's exit 1, which means "a check failed".
process.on('uncaughtException', (error) => process.exit(unexpectedFailure(error)));
process.on('unhandledRejection', (error) => process.exit(unexpectedFailure(error)));

// Exit as soon as the work is done: a device that stopped answering may leave a request
// pending that would otherwise keep the process alive.
process.exit(await main(process.argv.slice(2)));
