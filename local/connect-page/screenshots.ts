// `npm run screenshots`: the reference connect page, step by step, as PNG files for the README.
// It starts mxflow locally (its own DynamoDB Local, simulator and ports) and a headless Chromium.
import { mkdir } from 'node:fs/promises';
import { dirname, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Browser, Locator, Page } from 'playwright-core';
import { startLocalMxflow } from '../local-mxflow.js';
import { findChromium, launchChromium, NO_CHROMIUM } from './chromium.js';
import { PagePerson, type Product } from './page-person.js';

const out = resolve(dirname(fileURLToPath(import.meta.url)), '../../docs/connect-page');

const chromiumPath = findChromium();
if (!chromiumPath) {
  console.error(NO_CHROMIUM);
  process.exit(1);
}

const shot = async (page: Page, name: string) => {
  const file = resolve(out, `${name}.png`);
  await page.screenshot({ path: file, fullPage: true });
  console.log(`  ${relative(process.cwd(), file)}`);
};

/** The person's steps, each shot once it shows. */
async function capture(browser: Browser, api: string): Promise<void> {
  const verification = await PagePerson.open(browser, api);
  const { page } = verification;
  await verification.search('verify', 'MX Bank');
  await page.getByRole('button', { name: 'MX Bank', exact: true }).waitFor();
  await shot(page, '01-choose-bank');
  await verification.chooseBank('MX Bank');
  await verification.fillSignIn('mxuser', 'challenge_round');
  await shot(page, '02-sign-in');
  await page.getByRole('button', { name: 'Connect' }).click();
  const round = await verification.challenge();
  await shot(page, '03-challenges-in-one-round');
  await round.getByLabel('What city were you born in?').fill('correct');
  await round.getByLabel('Ford Mustang').check();
  await verification.send();
  await (await verification.challenge()).getByRole('radio', { name: /Checking/ }).check();
  await shot(page, '04-account-selection');
  await verification.send();
  await verification.outcome();
  await shot(page, '05-account-numbers');
  await page.close();

  /** A connection through one challenge: shot with the answer given, then the results. */
  const throughChallenge = async (
    product: Product,
    password: string,
    answer: (question: Locator) => Promise<void>,
    [asked, done]: [string, string],
  ) => {
    const person = await PagePerson.open(browser, api);
    await person.findBank(product, 'MX Bank', 'MX Bank');
    await person.signIn('mxuser', password);
    await answer(await person.challenge());
    await shot(person.page, asked);
    await person.send();
    await person.outcome();
    await shot(person.page, done);
    await person.page.close();
  };
  await throughChallenge(
    'aggregate',
    'image',
    (question) => question.getByLabel('Enter the characters shown in the image.').fill('correct'),
    ['06-image-challenge', '07-accounts-and-transactions'],
  );
  await throughChallenge(
    'identify',
    'image_options',
    (question) => question.getByRole('radio', { name: /Dog/ }).check(),
    ['08-image-options-challenge', '09-account-owners'],
  );

  const oauth = await PagePerson.open(browser, api);
  await oauth.findBank('verify', 'OAuth', 'MX Bank (OAuth)');
  await oauth.continueTo('MX Bank (OAuth)');
  await oauth.oauthLink();
  await shot(oauth.page, '10-oauth-link');
  await oauth.finishAtBank('Deny', (window) => shot(window, '11-oauth-consent-at-the-bank'));
  await oauth.outcome();
  await shot(oauth.page, '12-oauth-refused');
  await oauth.page.close();
}

console.log('Starting mxflow locally…');
const stack = await startLocalMxflow({
  timeScale: 0.01,
  simulator: { seed: 'screenshots', jobDurationMs: 60_000, transactionsPerAccount: 8 },
  environment: { POWERTOOLS_LOG_LEVEL: 'ERROR' },
});
const browser = await launchChromium(chromiumPath);
try {
  await mkdir(out, { recursive: true });
  console.log(`Screenshots of ${stack.endpoints.api}/connect:`);
  await capture(browser, stack.endpoints.api);
} finally {
  await browser.close();
  await stack.stop();
}
