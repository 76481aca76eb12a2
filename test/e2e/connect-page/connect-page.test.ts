import { setTimeout as sleep } from 'node:timers/promises';
import type { Browser, Page } from 'playwright-core';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { findChromium, launchChromium, NO_CHROMIUM } from '#local/connect-page/chromium.js';
import { PagePerson } from '#local/connect-page/page-person.js';
import { ENV } from '#shared/contract/workflow.js';
import { API_TEST_POLLING, startWorkflowHarness, type WorkflowHarness } from '#test/support/workflow-harness.js';

const chromiumPath = findChromium();
// CI installs Chromium (.ci/run): there a missing browser fails these tests instead of skipping them.
const underCi = ['true', '1'].includes(process.env.CI ?? '');
const skipped = !chromiumPath && !underCi;
if (skipped) console.warn(`The connect page browser tests are skipped. ${NO_CHROMIUM}`);

let h: WorkflowHarness;
let browser: Browser;
let person: PagePerson;

/** Every control of the shown step, as Chromium's accessibility tree has it: one line per node, `role "name"`. */
const controlsOfStep = async (page: Page) =>
  (await page.locator('main section:not([hidden])').ariaSnapshot())
    .split('\n')
    .map((line) => line.trim().replace(/^- /, ''))
    .filter((line) => /^(textbox|searchbox|radio|combobox|button|link|img)\b/.test(line));

/** The controls of the shown step a screen reader could not name: no accessible name in the tree. */
const unnamedControls = async (page: Page) =>
  (await controlsOfStep(page)).filter((control) => !/^\w+ "[^"]+"/.test(control));

/** Whether an image decoded to something to see (run in the page). */
const decodedWidth = async (img: { decode(): Promise<void>; naturalWidth: number }) => {
  await img.decode();
  return img.naturalWidth > 0;
};

/** What has focus, as the accessibility tree names it: `textbox "Username"`. */
const focused = async (page: Page) =>
  (await page.locator(':focus').ariaSnapshot()).split('\n')[0]?.replace(/^- /, '').replace(/:$/, '') ?? '';

describe.skipIf(skipped)('the reference connect page, in headless Chromium', () => {
  beforeAll(async () => {
    if (!chromiumPath) throw new Error(NO_CHROMIUM);
    [h, browser] = await Promise.all([
      // 1 s of MX time is 5 ms: a person's few seconds at the page stay well inside MX's limits
      // (the harness gives a challenge 2 hours, 36 s here, and an OAuth link 6 hours).
      startWorkflowHarness({
        timeScale: 0.005,
        simulator: { seed: 'connect-page', jobDurationMs: 60_000, transactionsPerAccount: 5 },
        // An hour of MX time (18 s here) for the person to finish at the bank, on a loaded machine too.
        environment: { ...API_TEST_POLLING, [ENV.oauthTimeoutSeconds]: '3600' },
      }),
      launchChromium(chromiumPath),
    ]);
  });
  afterAll(async () => {
    await browser?.close();
    await h?.stop();
  });
  beforeEach(async () => {
    person = await PagePerson.open(browser, h.stack.endpoints.api, 100);
  });
  afterEach(async () => person?.page.close());

  it('verifies an account: the person picks their checking account and sees only its last four digits', async () => {
    const numbersRead = person.page.waitForResponse((r) => r.url().includes('/account_numbers'));

    await person.findBank('verify', 'MX Bank', 'MX Bank');
    await person.signIn('mxuser', 'password');
    const question = await person.challenge();
    await question
      .getByRole('group', { name: 'Please select an account:' })
      .getByLabel(/Checking/)
      .check();
    await person.send();
    const outcome = await person.outcome();
    const rows = await person.table('Account and routing numbers');
    const { account_numbers } = (await (await numbersRead).json()) as { account_numbers: { account_number: string }[] };

    expect(outcome).toContain('Connected to MX Bank.');
    expect(rows).toEqual([
      ['MX Bank Checking', expect.stringMatching(/^•••• \d{4}$/), expect.stringMatching(/^\d{9}$/)],
    ]);
    const [number] = account_numbers;
    expect(rows[0]?.[1]).toBe(`•••• ${number?.account_number.slice(-4)}`);
    expect(await person.page.content()).not.toContain(String(number?.account_number));
  });

  it('aggregates through an image challenge: the image shows, the typed answer passes, accounts and transactions follow', async () => {
    await person.findBank('aggregate', 'MX Bank', 'MX Bank');
    await person.signIn('mxuser', 'image');
    const question = await person.challenge();
    const image = question.getByRole('img');
    const rendered = await image.evaluate(decodedWidth);
    const source = await image.getAttribute('src');
    await question.getByLabel('Enter the characters shown in the image.').fill('correct');
    await person.send();
    const outcome = await person.outcome();
    const accounts = await person.table('Accounts');
    const transactions = await person.table(/^Transactions/);

    expect(rendered).toBe(true);
    expect(source).toMatch(/^data:image\//);
    expect(outcome).toContain('Connected to MX Bank.');
    expect(accounts.map(([name, type, number]) => [name, type, number])).toEqual([
      ['MX Bank Checking', 'CHECKING', expect.stringMatching(/^•••• \d{4}$/)],
      ['MX Bank Credit Card', 'CREDIT_CARD', expect.stringMatching(/^•••• \d{4}$/)],
      ['MX Bank Savings', 'SAVINGS', expect.stringMatching(/^•••• \d{4}$/)],
    ]);
    expect(transactions.length).toBeGreaterThan(0);
    expect(
      transactions.every(([date, , amount]) => /^\d{4}-\d{2}-\d{2}$/.test(String(date)) && /\$/.test(String(amount))),
    ).toBe(true);
  });

  it('identifies owners through an image-options challenge: the person picks the picture by what it shows', async () => {
    await person.findBank('identify', 'MX Bank', 'MX Bank');
    await person.signIn('mxuser', 'image_options');
    const question = await person.challenge();
    const choices = question.getByRole('group', { name: 'Select your security image.' });
    // Each picture is named by its label (alt=""), so it has no role of its own: found as an img.
    const pictures = await Promise.all((await choices.locator('img').all()).map((img) => img.evaluate(decodedWidth)));
    const named = await choices.ariaSnapshot();
    const unnamed = await unnamedControls(person.page);
    await question.getByRole('radio', { name: /Dog/ }).check();
    await person.send();
    const outcome = await person.outcome();
    const owners = await person.table('Account owners');

    expect(pictures).toEqual([true, true, true]);
    expect(named).toMatch(/radio "Cat"[\s\S]*radio "Dog"[\s\S]*radio "Fish"/);
    expect(unnamed).toEqual([]);
    expect(outcome).toContain('Connected to MX Bank.');
    expect(owners.length).toBeGreaterThan(0);
    expect(owners.every(([name]) => String(name).trim().length > 0 && name !== '—')).toBe(true);
  });

  it('asks every challenge of a round in one form and sends them in one answer', async () => {
    await person.findBank('aggregate', 'MX Bank', 'MX Bank');
    await person.signIn('mxuser', 'challenge_round');
    const question = await person.challenge();
    await question.getByLabel('What city were you born in?').fill('correct');
    await question
      .getByRole('group', { name: 'Which of these was your first car?' })
      .getByLabel('Ford Mustang')
      .check();
    const buttons = await question.getByRole('button').allTextContents();
    await person.send();

    expect(buttons).toEqual(['Send answers']);
    expect(await person.outcome()).toContain('Connected to MX Bank.');
  });

  it('hides the password as it is typed and takes the one-time code the bank sends', async () => {
    await person.findBank('aggregate', 'MX Bank', 'MX Bank');
    await person.fillSignIn('mxuser', 'token');
    const password = await person.page.getByLabel('Password').getAttribute('type');
    await person.page.getByRole('button', { name: 'Connect' }).click();
    const code = (await person.challenge()).getByRole('textbox');
    const hints = [await code.getAttribute('autocomplete'), await code.getAttribute('inputmode')];
    await code.fill('correct');
    await person.send();

    expect(password).toBe('password');
    expect(hints).toEqual(['one-time-code', 'numeric']);
    expect(await person.outcome()).toContain('Connected to MX Bank.');
  });

  it('asks again after a wrong answer, and connects on the right one', async () => {
    await person.findBank('aggregate', 'MX Bank', 'MX Bank');
    await person.signIn('mxuser', 'retry_challenge');
    await (await person.challenge()).getByLabel('What city were you born in?').fill('Atlantis');
    await person.send();
    const again = await person.challenge();
    const asked = await again.innerText();
    await again.getByLabel(/What city were you born in\?/).fill('correct');
    await person.send();

    expect(asked).toContain('Your bank has another question.');
    expect(asked).toContain('That answer did not match. What city were you born in?');
    expect(await person.outcome()).toContain('Connected to MX Bank.');
  });

  it('says in plain words that the bank refused the password, and connects after the person signs in again', async () => {
    await person.findBank('aggregate', 'MX Bank', 'MX Bank');
    await person.signIn('mxuser', 'denied');
    const refused = await person.outcome();
    await person.page.getByRole('button', { name: 'Try again' }).click();
    await person.signIn('mxuser', 'password');
    const connected = await person.outcome();

    expect(refused).toContain('Your bank did not accept that username or password.');
    expect(connected).toContain('Connected to MX Bank.');
  });

  it('connects through the bank’s OAuth window opened from the page, with a new link once the first expired', async () => {
    const simulator = h.stack.simulator!;
    // A minute of MX time (0.3 s here): the first link expires before the person opens it.
    simulator.configure({ oauthWindowTtlMs: 60_000 });
    const { firstLink, atExpiredLink } = await (async () => {
      try {
        await person.findBank('aggregate', 'OAuth', 'MX Bank (OAuth)');
        await person.continueTo('MX Bank (OAuth)');
        const firstLink = await (await person.oauthLink()).getAttribute('href');
        await sleep(600);
        return { firstLink, atExpiredLink: await person.lookAtBank() };
      } finally {
        simulator.configure({ oauthWindowTtlMs: simulator.options.oauthWindowTtlMs });
      }
    })();
    await person.page.getByRole('button', { name: 'The link expired: get a new one' }).click();
    const newLink = () => person.oauthLink().then((link) => link.getAttribute('href'));
    await expect.poll(newLink, { timeout: 10_000 }).not.toBe(firstLink);
    const onNewLink = await focused(person.page);
    const said = await person.finishAtBank('Allow');
    const outcome = await person.outcome();
    const accounts = await person.table('Accounts');

    expect(atExpiredLink).toContain('This OAuth window has expired');
    expect(onNewLink).toBe('link "Sign in at MX Bank (OAuth)"');
    expect(said).toContain('Authorization complete');
    expect(outcome).toContain('Connected to MX Bank (OAuth).');
    expect(accounts.map(([name]) => name)).toContain('MX Bank (OAuth) Checking');
  });

  it('says the connection was refused when the person denies it at the bank, and lets them try again with a new window', async () => {
    await person.findBank('verify', 'OAuth', 'MX Bank (OAuth)');
    await person.continueTo('MX Bank (OAuth)');
    const firstLink = await (await person.oauthLink()).getAttribute('href');
    const unnamedAtLink = await unnamedControls(person.page);
    const said = await person.finishAtBank('Deny');
    const refused = await person.outcome();
    const unnamedWhenRefused = await unnamedControls(person.page);
    await person.page.getByRole('button', { name: 'Try again' }).click();
    const secondLink = await (await person.oauthLink()).getAttribute('href');
    await person.finishAtBank('Allow');
    await (await person.challenge()).getByRole('radio', { name: /Checking/ }).check();
    await person.send();
    const connected = await person.outcome();

    expect(said).toContain('You declined to share your data');
    expect(refused).toContain('You did not allow the connection at your bank.');
    expect(secondLink).not.toBe(firstLink);
    expect([unnamedAtLink, unnamedWhenRefused]).toEqual([[], []]);
    expect(connected).toContain('Connected to MX Bank (OAuth).');
    expect(await person.table('Account and routing numbers')).toHaveLength(1);
  });

  it('lets the person stop while the bank asks a question: the job is cancelled and the page starts over', async () => {
    await person.findBank('aggregate', 'MX Bank', 'MX Bank');
    await person.signIn('mxuser', 'challenge');
    await person.challenge();
    const cancelled = person.page.waitForResponse((r) => r.url().endsWith('/cancel'));
    await person.page.getByRole('button', { name: 'Stop and choose another bank' }).click();
    const answer = await cancelled;
    const onStart = await focused(person.page);

    expect(answer.status()).toBe(200);
    expect(((await answer.json()) as { job: { status: string } }).job.status).toBe('CANCELLED');
    expect(onStart).toBe('heading "1. Choose your bank" [level=2]');
  });

  it('is served to the browser with a policy that lets it load and send only to its own origin', async () => {
    const served = await person.page.request.get(person.page.url());
    const headers = served.headers();

    expect(headers['content-security-policy']).toContain("default-src 'self'");
    expect(headers['content-security-policy']).toContain("frame-ancestors 'none'");
    expect(headers['x-content-type-options']).toBe('nosniff');
  });

  it('can be used with the keyboard alone: every control is named, focus follows the steps', async () => {
    const { page } = person;
    const stops: string[] = [];
    for (let i = 0; i < 4; i++) {
      await page.keyboard.press('Tab');
      stops.push(await focused(page));
    }
    const unnamed = [await unnamedControls(page)];
    await page.keyboard.press('Shift+Tab');
    await page.keyboard.type('MX Bank');
    await page.keyboard.press('Enter');
    await page.getByRole('button', { name: 'MX Bank', exact: true }).waitFor();
    await page.keyboard.press('Tab');
    await page.keyboard.press('Tab');
    const onBank = await focused(page);
    await page.keyboard.press('Enter');
    await page.getByLabel('Username').waitFor();
    const onSignIn = await focused(page);
    const signInControls = await controlsOfStep(page);
    unnamed.push(await unnamedControls(page));
    await page.keyboard.press('Tab');
    await page.keyboard.type('mxuser');
    await page.keyboard.press('Tab');
    await page.keyboard.type('challenge');
    await page.keyboard.press('Enter');
    await person.challenge();
    const onChallenge = await focused(page);
    unnamed.push(await unnamedControls(page));
    await page.keyboard.type('correct');
    await page.keyboard.press('Enter');
    await page.getByRole('radio', { name: /Checking/ }).waitFor();
    const onSelection = await focused(page);
    await page.keyboard.press('Space');
    await page.keyboard.press('Enter');
    await person.outcome();
    const onDone = await focused(page);
    unnamed.push(await unnamedControls(page));
    const [verified] = await person.table('Account and routing numbers');

    expect(stops).toEqual([
      'link "Skip to the connection steps"',
      'radio "Account and routing numbers" [checked]',
      'searchbox "Bank name"',
      'button "Search"',
    ]);
    expect(onBank).toBe('button "MX Bank"');
    expect(onSignIn).toBe('heading "2. Sign in to MX Bank" [level=2]');
    expect(onChallenge).toBe('textbox "What city were you born in?"');
    expect(onSelection).toMatch(/^radio "MX Bank Checking XXXXXX\d{4}"$/);
    expect(verified?.[0]).toBe('MX Bank Checking');
    expect(onDone).toBe('heading "4. Done" [level=2]');
    expect(unnamed).toEqual([[], [], [], []]);
    expect(signInControls).toEqual(
      expect.arrayContaining(['textbox "Username"', 'textbox "Password"', 'button "Connect"']),
    );
  });
});
