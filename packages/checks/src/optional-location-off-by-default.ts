import { defineOptionalOffCheck } from './optional-off-by-default.js';

/** Location (precise or coarse, cell ids, Wi-Fi) is optional: off by default. */
export const optionalLocationOffByDefault = defineOptionalOffCheck(
  'optional.location-off-by-default',
  'Location stays off by default (no coordinates, cell or Wi-Fi ids sent to third parties)',
  ['location.precise', 'location.coarse', 'network.cell', 'network.wifi'],
);
