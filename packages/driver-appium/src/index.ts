export {
  startAppiumServer,
  appiumHome,
  appiumDrivers,
  installedVersion,
  type AppiumServerOptions,
  type RunningAppium,
} from './appium-server.js';
export { openWebSession, portHeld, STEALTH_MEASURES, type WebSessionOptions } from './web-session.js';
export { instrumentationScript } from './instrumentation.js';
export {
  webCapabilities,
  chromiumPaths,
  chromiumMajorVersion,
  CHROMIUM_BASE_ARGS,
  type WebCapabilitiesOptions,
} from './chromium.js';
export { serveDirectory, type StaticServer } from './static-server.js';
export { webDevices, DEFAULT_WEB_DEVICE, deviceProfile, type DeviceProfile } from './devices.js';
export { processesMatching, killProcessesMatching } from './processes.js';
export { processRunner } from './command-runner.js';
export {
  androidCapabilities,
  setAndroidProxy,
  clearAndroidProxy,
  installAndroidSystemCa,
  readAndroidIdentifiers,
  listSharedPreferences,
  type AndroidTarget,
  type AndroidIdentifiers,
} from './android.js';
export { iosCapabilities, installIosSimulatorCa, type IosTarget } from './ios.js';
export {
  openNativeSession,
  nativeUi,
  nativeSelector,
  webViewClient,
  type NativeSessionOptions,
  type NativePlatform,
} from './native-session.js';
export { applyWebViewGpc, type WebViewClient, type WebViewGpcOptions } from './webview-gpc.js';
export { createNetworkLog } from './network-log.js';
