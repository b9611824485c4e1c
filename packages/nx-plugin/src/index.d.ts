import type { CreateNodesResult, CreateNodesV2 } from '@nx/devkit';

export interface ConformancePluginOptions {
  /** Name of the inferred target (default `conformance`). */
  targetName?: string;
  /** The app's build target the assessment depends on (default `build`). */
  buildTargetName?: string;
  /** Folder, relative to the workspace root, that receives `<app>/` (default `reports`). */
  reportsDir?: string;
  /** Pass `--exit-zero`, so failing checks still give a cached result (default `true`). */
  exitZero?: boolean;
  /** More `conformance run` arguments for every app, e.g. `['--window', '3000']`. */
  args?: string[];
}

export declare const createNodesV2: CreateNodesV2<ConformancePluginOptions>;
export declare const createNodes: CreateNodesV2<ConformancePluginOptions>;
export declare const CONFORMANCE_ENV: string[];
export declare const MANIFEST_GLOB: string;
export declare function conformanceNodes(
  manifestPath: string,
  options: ConformancePluginOptions,
  workspaceRoot: string,
): CreateNodesResult;
