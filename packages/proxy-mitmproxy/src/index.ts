export { startMitmproxy, ADDON_PATH, type MitmproxyOptions } from './mitmproxy.js';
export { readJournal } from './journal.js';
export { conformanceHome, defaultConfDir } from './home.js';
