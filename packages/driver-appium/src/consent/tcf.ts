/**
 * The IAB Transparency and Consent Framework signal: the TC string a CMP reports through
 * `__tcfapi('getTCData', 2, …)`, decoded with @iabtcf/core into the purposes and vendors it
 * grants.
 */
import { TCString } from '@iabtcf/core';
import type { TcfReading } from '@conformance/core';

export interface RawTcData {
  tcString: string | null;
  eventStatus?: string;
  cmpStatus?: string;
  error?: string;
}

/**
 * Runs in the page: asks `__tcfapi` for the current TC data; null when the page has no TCF
 * API. Waits up to `timeoutMs` for the CMP to answer.
 */
export function probeTcf(timeoutMs: number): Promise<RawTcData | null> {
  type TcfApi = (command: string, version: number, callback: (data: unknown, success: boolean) => void) => void;
  const api = (window as unknown as { __tcfapi?: TcfApi }).__tcfapi;
  if (typeof api !== 'function') return Promise.resolve(null);
  return new Promise((resolve) => {
    const timer = setTimeout(() => resolve({ tcString: null, error: `no answer within ${timeoutMs} ms` }), timeoutMs);
    try {
      api('getTCData', 2, (data, success) => {
        clearTimeout(timer);
        const tcData = data as { tcString?: string; eventStatus?: string; cmpStatus?: string } | null;
        resolve(
          success && tcData
            ? {
                tcString: typeof tcData.tcString === 'string' ? tcData.tcString : null,
                ...(tcData.eventStatus ? { eventStatus: tcData.eventStatus } : {}),
                ...(tcData.cmpStatus ? { cmpStatus: tcData.cmpStatus } : {}),
              }
            : { tcString: null, error: 'getTCData reported no success' },
        );
      });
    } catch (error) {
      clearTimeout(timer);
      resolve({ tcString: null, error: String(error) });
    }
  });
}

/** Decodes a TC string into the purpose and vendor ids it grants (consent and legitimate interest). */
export function decodeTcString(tcString: string): TcfReading {
  const model = TCString.decode(tcString);
  const ids = (vector: { forEach(callback: (value: boolean, id: number) => void): void }) => {
    const out: number[] = [];
    vector.forEach((value, id) => {
      if (value) out.push(id);
    });
    return out;
  };
  return {
    tcString,
    purposeConsents: ids(model.purposeConsents),
    purposeLegitimateInterests: ids(model.purposeLegitimateInterests),
    vendorConsents: ids(model.vendorConsents),
    vendorLegitimateInterests: ids(model.vendorLegitimateInterests),
  };
}
