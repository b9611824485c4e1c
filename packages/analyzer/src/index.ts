export { analyzeBundle, type AnalyzeOptions } from './analyze.js';
export { classifyDestination } from './destination.js';
export { readEvidenceBundle, BundleFiles } from './bundle.js';
export { createFlowAnalyzer, type FlowAnalyzerOptions, type FlowContext, type FlowResult } from './flow.js';
export { decodeFlow, DECODE_LIMITS, type DecodedFlow, type Leaf } from './decode.js';
export { CANDIDATE_LIMITS } from './differential.js';
export { storageCanaries, storedIdentifiers } from './storage-ids.js';
export { findEnvelope } from './envelope.js';
export { canaryVariants, normalisedForms, distanceMetres } from './canaries.js';
export { isImei, isPrcResidentId, isPackageName, luhnValid, COARSE_DECIMALS_MAX } from './detectors.js';
export { classifyProtection, entropy } from './protection.js';
export {
  ghosteryTrackers,
  permissiveTrackers,
  trackerLookup,
  trackerDatabases,
  trackerDatabaseNames,
  trackerLookupFrom,
  noTrackers,
  type TrackerDatabase,
  type TrackerLookup,
} from './trackers.js';
export { AhoCorasick } from './aho-corasick.js';
