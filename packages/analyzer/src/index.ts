export { analyzeBundle } from './analyze.js';
export { classifyDestination } from './destination.js';
export { readEvidenceBundle, BundleFiles } from './bundle.js';
