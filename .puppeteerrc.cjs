/**
 * Puppeteer (brought by whatsapp-web.js) downloads Chrome at `npm install` unless told not to:
 * Switchboard uses the system's Chromium (CHROMIUM_PATH), so installing never downloads a browser.
 * @type {import("puppeteer").Configuration}
 */
module.exports = { skipDownload: true };
