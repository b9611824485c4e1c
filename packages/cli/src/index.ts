export { createProgram, main } from './program.js';
export { ExitCode } from './shared.js';
