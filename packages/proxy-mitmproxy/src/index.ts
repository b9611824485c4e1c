export {
  startMitmproxy,
  recordKey,
  engineCommand,
  scriptInterpreter,
  ADDON_PATH,
  ENGINE_PATH,
  DEFAULT_MAX_BODY_BYTES,
  DEFAULT_MAX_EVIDENCE_BYTES,
  type MitmproxyOptions,
  type MitmproxyCapture,
  type ProxyEngine,
} from './mitmproxy.js';
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
