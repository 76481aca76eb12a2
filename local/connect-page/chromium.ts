import { existsSync } from 'node:fs';
import { type Browser, chromium } from 'playwright-core';

/**
 * Where a Chromium is: `CHROMIUM_PATH`, else Debian's and other distributions' usual places.
 * Nothing is downloaded: the browser comes from the system's packages. Chromium's headless shell
 * (`apt-get install chromium-headless-shell`) comes first: the same Blink without the full
 * browser around it, it took 7.5 s of CPU for the connect page's tests where `chromium` in its
 * headless mode took 25 s.
 */
export function findChromium(): string | undefined {
  const candidates = [
    process.env.CHROMIUM_PATH,
    '/usr/bin/chromium-headless-shell',
    '/usr/bin/chromium',
    '/usr/bin/chromium-browser',
    '/usr/bin/google-chrome',
  ];
  return candidates.find((path): path is string => path !== undefined && path !== '' && existsSync(path));
}

export const NO_CHROMIUM = 'No Chromium was found: install it (apt-get install chromium) or set CHROMIUM_PATH to one.';

/** Headless, sandbox off (CI runs as root), and none of Chromium's own calls home (the network may be closed). */
const FLAGS = [
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

export async function launchChromium(executablePath: string): Promise<Browser> {
  return chromium.launch({ executablePath, headless: true, args: FLAGS });
}
