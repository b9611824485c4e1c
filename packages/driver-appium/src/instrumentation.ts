import type { GpcSignal } from '@conformance/core';

/**
 * The script the harness injects before any page script runs (CDP
 * Page.addScriptToEvaluateOnNewDocument). It records permission requests and reads of
 * sensitive or fingerprinting APIs, with the calling script's URL taken from the stack,
 * into a buffer the driver drains; with GPC on it defines navigator.globalPrivacyControl.
 * It has no URL of its own, so its frames never count as the caller.
 */
export const EVENTS_KEY = '__conformanceEvents__';

/** Defines navigator.globalPrivacyControl = true, as a browser with Global Privacy Control on does. */
export const GPC_SCRIPT =
  "Object.defineProperty(Navigator.prototype, 'globalPrivacyControl', { get: () => true, configurable: true, enumerable: true });";

/** The evidence record of Global Privacy Control set in `context` (the browser, or a web view's context). */
export const gpcSignal = (context: string, readBack: boolean): GpcSignal => ({
  context,
  header: 'Sec-GPC: 1',
  script: 'navigator.globalPrivacyControl = true',
  readBack,
});

export function instrumentationScript(options: { gpc: boolean }): string {
  return `(() => {
  const KEY = ${JSON.stringify(EVENTS_KEY)};
  if (Object.prototype.hasOwnProperty.call(window, KEY)) return;
  const events = [];
  Object.defineProperty(window, KEY, { value: events, enumerable: false });
  const caller = () => {
    const lines = String(new Error().stack || '').split('\\n');
    for (const line of lines) {
      const match = /(https?:\\/\\/[^\\s()]+?):\\d+:\\d+\\)?\\s*$/.exec(line);
      if (match) return match[1];
    }
    return null;
  };
  const record = (kind, api, detail) => {
    const event = { kind, api, at: Date.now(), script: caller() };
    if (detail !== undefined) event.detail = String(detail).slice(0, 200);
    events.push(event);
  };
  const nativeToString = Function.prototype.toString;
  const disguised = new WeakMap();
  Function.prototype.toString = new Proxy(nativeToString, {
    apply: (target, self, args) => Reflect.apply(target, disguised.get(self) || self, args),
  });
  const wrap = (owner, name, kind, api, detail) => {
    if (!owner) return;
    const original = owner[name];
    if (typeof original !== 'function') return;
    const wrapped = {
      [name](...args) {
        try { record(kind, api, detail ? detail(args) : undefined); } catch (error) { /* never break the page */ }
        return original.apply(this, args);
      },
    }[name];
    disguised.set(wrapped, original);
    Object.defineProperty(owner, name, { value: wrapped, configurable: true, writable: true });
  };
  const proto = (name) => (window[name] ? window[name].prototype : undefined);
  wrap(proto('Geolocation'), 'getCurrentPosition', 'permission', 'geolocation');
  wrap(proto('Geolocation'), 'watchPosition', 'permission', 'geolocation');
  wrap(window.Notification, 'requestPermission', 'permission', 'notifications');
  wrap(proto('MediaDevices'), 'getUserMedia', 'permission', 'camera-microphone', (a) => JSON.stringify(a[0]));
  wrap(proto('Clipboard'), 'readText', 'permission', 'clipboard-read');
  wrap(proto('Clipboard'), 'read', 'permission', 'clipboard-read');
  wrap(proto('Permissions'), 'query', 'sensitive-api', 'permissions.query', (a) => a[0] && a[0].name);
  wrap(proto('HTMLCanvasElement'), 'toDataURL', 'sensitive-api', 'canvas.toDataURL');
  wrap(proto('HTMLCanvasElement'), 'toBlob', 'sensitive-api', 'canvas.toBlob');
  wrap(proto('CanvasRenderingContext2D'), 'getImageData', 'sensitive-api', 'canvas.getImageData');
  wrap(proto('WebGLRenderingContext'), 'getParameter', 'sensitive-api', 'webgl.getParameter', (a) => a[0]);
  wrap(proto('WebGL2RenderingContext'), 'getParameter', 'sensitive-api', 'webgl.getParameter', (a) => a[0]);
  wrap(proto('OfflineAudioContext'), 'startRendering', 'sensitive-api', 'audio.startRendering');
  wrap(proto('AudioContext'), 'createAnalyser', 'sensitive-api', 'audio.createAnalyser');
  wrap(proto('NavigatorUAData'), 'getHighEntropyValues', 'sensitive-api', 'userAgentData.getHighEntropyValues', (a) => JSON.stringify(a[0]));
  wrap(proto('MediaDevices'), 'enumerateDevices', 'sensitive-api', 'mediaDevices.enumerateDevices');
  ${options.gpc ? GPC_SCRIPT : ''}
})();`;
}
