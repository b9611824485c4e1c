export { startMitmproxy, recordKey, ADDON_PATH, type MitmproxyOptions, type MitmproxyCapture } from './mitmproxy.js';
export { readJournal } from './journal.js';
export { conformanceHome, defaultConfDir } from './home.js';
export {
  ensureCa,
  exportCa,
  writeCaExports,
  restrictCaPermissions,
  subjectHashOldOf,
  CA_FILES,
  SECRET_CA_FILES,
  type CaExport,
  type EnsureCaOptions,
} from './ca.js';
