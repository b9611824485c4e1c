#!/usr/bin/env node
import { main } from './program.js';

// Exit as soon as the work is done: a device that stopped answering may leave a request
// pending that would otherwise keep the process alive.
process.exit(await main(process.argv.slice(2)));
