import { execFile } from 'node:child_process';
import type { CommandRunner } from '@conformance/core';

export const processRunner: CommandRunner = {
  run(command, args) {
    return new Promise((resolve) => {
      execFile(command, [...args], { timeout: 60_000 }, (error, stdout, stderr) => {
        const code = error ? (typeof error.code === 'number' ? error.code : 127) : 0;
        resolve({ code, stdout: String(stdout), stderr: String(stderr || (error && !stdout ? error.message : '')) });
      });
    });
  },
};
