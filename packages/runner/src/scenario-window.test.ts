import { afterEach, describe, expect, it, vi } from 'vitest';
import { watchWindow } from './scenario-steps.js';

afterEach(() => vi.restoreAllMocks());

describe('watchWindow', () => {
  it('waits on when the timer fired before the wall clock reached the end of the window', async () => {
    // The clock reads 1 ms short of the window once the first timer has fired, as it can on a real machine.
    const reads = [1_000 + 59, 1_000 + 60];
    const now = vi.spyOn(Date, 'now').mockImplementation(() => reads.shift() ?? 1_000 + 60);
    expect(await watchWindow(1_000, 60)).toBe('window');
    expect(now).toHaveBeenCalledTimes(2);
  });

  it('returns after one timer when the clock says the window is over', async () => {
    const now = vi.spyOn(Date, 'now').mockReturnValue(1_000 + 61);
    expect(await watchWindow(1_000, 60)).toBe('window');
    expect(now).toHaveBeenCalledTimes(1);
  });

  it('really waits out the window on the real clock', async () => {
    const start = Date.now();
    await watchWindow(start, 60);
    expect(Date.now() - start).toBeGreaterThanOrEqual(60);
  });
});
