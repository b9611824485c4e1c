import { ConformanceError, ErrorCodes } from '@conformance/core';
import catalogue from './data/devices.json' with { type: 'json' };

export interface DeviceProfile {
  name: string;
  width: number;
  height: number;
  pixelRatio: number;
  touch: boolean;
  mobile: boolean;
  userAgent: string;
  locale: string;
  timezone: string;
}

const profiles = Object.fromEntries(Object.entries(catalogue).filter(([name]) => !name.startsWith('$'))) as unknown as Record<
  string,
  Omit<DeviceProfile, 'name'>
>;

export const webDevices: readonly string[] = Object.keys(profiles);
export const DEFAULT_WEB_DEVICE = 'Pixel 7';

/** A device of the catalogue, with the user agent's Chrome version filled in. */
export function deviceProfile(name: string, chromeMajor = '156'): DeviceProfile {
  const profile = profiles[name];
  if (!profile) {
    throw new ConformanceError(ErrorCodes.USAGE, `unknown device "${name}"`, { hint: `choose one of: ${webDevices.join(', ')}` });
  }
  return { name, ...profile, userAgent: profile.userAgent.replace('{chrome}', chromeMajor) };
}
