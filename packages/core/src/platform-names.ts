/** Every platform the harness drives: the one list the manifest, the baseline and the CLI take theirs from. */
export const platforms = ['web', 'android', 'ios'] as const;
export type Platform = (typeof platforms)[number];
