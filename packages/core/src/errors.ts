/**
 * Every error the harness raises on purpose carries a stable `code`, a message that
 * says what went wrong, and a `hint` that says what to do next. The CLI maps codes to
 * exit codes; tests match on codes, never on wording.
 */
export const ErrorCodes = {
  MANIFEST_NOT_FOUND: 'CONF_MANIFEST_NOT_FOUND',
  MANIFEST_SYNTAX: 'CONF_MANIFEST_SYNTAX',
  MANIFEST_INVALID: 'CONF_MANIFEST_INVALID',
  APP_NOT_BUILT: 'CONF_APP_NOT_BUILT',
  TOOL_MISSING: 'CONF_TOOL_MISSING',
  PROXY_START: 'CONF_PROXY_START',
  PROXY_CRASHED: 'CONF_PROXY_CRASHED',
  PROXY_CA: 'CONF_PROXY_CA',
  DRIVER_START: 'CONF_DRIVER_START',
  /** A tool could not listen on the port picked for it: another process took it first (after the retries). */
  PORT_IN_USE: 'CONF_PORT_IN_USE',
  SESSION_FAILED: 'CONF_SESSION_FAILED',
  DEVICE_COMMAND: 'CONF_DEVICE_COMMAND',
  SELECTOR_NOT_FOUND: 'CONF_SELECTOR_NOT_FOUND',
  SCENARIO_TIMEOUT: 'CONF_SCENARIO_TIMEOUT',
  BUNDLE_INVALID: 'CONF_BUNDLE_INVALID',
  USAGE: 'CONF_USAGE',
  SUITE_NOT_FOUND: 'CONF_SUITE_NOT_FOUND',
  SUITE_INVALID: 'CONF_SUITE_INVALID',
  ATTESTATION_INVALID: 'CONF_ATTESTATION_INVALID',
  CONSENT_NOT_FOUND: 'CONF_CONSENT_NOT_FOUND',
  /** gpc on a native web-view app: the signal could not be set in the web view, or did not read back. */
  GPC_NOT_APPLIED: 'CONF_GPC_NOT_APPLIED',
  /** The run was stopped by SIGINT or SIGTERM; what it gathered is kept and hashed. */
  INTERRUPTED: 'CONF_INTERRUPTED',
  WAIVER_INVALID: 'CONF_WAIVER_INVALID',
  WAIVER_UNKNOWN: 'CONF_WAIVER_UNKNOWN',
  SIGNING_KEY: 'CONF_SIGNING_KEY',
  /** `conformance report`: no run folder, report.json or allure-results/ where one was named. */
  REPORT_NOT_FOUND: 'CONF_REPORT_NOT_FOUND',
  /** `conformance report`: Allure's generator needs Java, and none is on the PATH. */
  REPORT_JAVA_MISSING: 'CONF_REPORT_JAVA_MISSING',
  /** `conformance report`: allure-commandline ran and failed. */
  REPORT_GENERATE: 'CONF_REPORT_GENERATE',
  CERTIFY_INSTALL: 'CONF_CERTIFY_INSTALL',
  CERTIFY_BUILD: 'CONF_CERTIFY_BUILD',
} as const;

export type ErrorCode = (typeof ErrorCodes)[keyof typeof ErrorCodes];

export interface ConformanceErrorOptions {
  hint?: string;
  cause?: unknown;
}

export class ConformanceError extends Error {
  override name = 'ConformanceError';
  readonly code: ErrorCode;
  readonly hint: string | undefined;

  constructor(code: ErrorCode, message: string, options: ConformanceErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.code = code;
    this.hint = options.hint;
  }

  /** Message and hint as one text, the way a person should read it. */
  describe(): string {
    return this.hint ? `${this.message}\n  fix: ${this.hint}` : this.message;
  }
}

export function isConformanceError(error: unknown): error is ConformanceError {
  return error instanceof ConformanceError;
}

/** A plain-data form of any thrown value, for reports and evidence. */
export function errorToData(error: unknown): { code: string; message: string; hint?: string } {
  if (isConformanceError(error)) {
    return error.hint
      ? { code: error.code, message: error.message, hint: error.hint }
      : { code: error.code, message: error.message };
  }
  const message = error instanceof Error ? error.message : String(error);
  return { code: 'CONF_UNEXPECTED', message };
}
