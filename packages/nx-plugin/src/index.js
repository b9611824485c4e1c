// @ts-check
export { createNodes, createNodesV2, conformanceNodes, CONFORMANCE_ENV, MANIFEST_GLOB } from './plugin.js';
