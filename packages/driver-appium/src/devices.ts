/** Emulated devices for the web platform, by the name chromedriver's mobile emulation knows them. */
export const webDevices = ['Pixel 7', 'iPhone 14 Pro Max', 'iPad Pro', 'Samsung Galaxy S20 Ultra'] as const;
export const DEFAULT_WEB_DEVICE = 'Pixel 7';
