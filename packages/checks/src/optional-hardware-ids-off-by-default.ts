import { defineOptionalOffCheck } from './optional-off-by-default.js';

/** Hardware identifiers (IMEI, MEID, MAC, serial, IMSI) are optional: off by default. */
export const optionalHardwareIdsOffByDefault = defineOptionalOffCheck(
  'optional.hardware-ids-off-by-default',
  'Hardware identifiers (IMEI, MEID, MAC) stay off by default',
  ['device-id.hardware'],
);
