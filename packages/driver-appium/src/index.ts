export {
  startAppiumServer,
  appiumHome,
  appiumDrivers,
  installedVersion,
  type AppiumServerOptions,
  type RunningAppium,
} from './appium-server.js';
export { openWebSession, type WebSessionOptions } from './web-session.js';
export { webCapabilities, chromiumPaths, CHROMIUM_BASE_ARGS, type WebCapabilitiesOptions } from './chromium.js';
export { serveDirectory, type StaticServer } from './static-server.js';
export { webDevices, DEFAULT_WEB_DEVICE } from './devices.js';
