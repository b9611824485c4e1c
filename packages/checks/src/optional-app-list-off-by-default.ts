import { defineOptionalOffCheck } from './optional-off-by-default.js';

/** The installed-app list is optional: off by default. */
export const optionalAppListOffByDefault = defineOptionalOffCheck(
  'optional.app-list-off-by-default',
  'The installed-app list stays off by default',
  ['app-list'],
);
