/** The suite's browser: Debian's Chromium with the flags every script shares (scripts/lib/chromium.ts). */
export { CHROMIUM, launchChromium } from '../../scripts/lib/chromium';
