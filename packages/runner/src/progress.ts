/** Where the runner reports what it is doing; the CLI prints it, tests collect it. */
export interface Progress {
  step(message: string): void;
  detail(message: string): void;
  warn(message: string): void;
}

export const silentProgress: Progress = { step() {}, detail() {}, warn() {} };
