import type { Browser, Page } from 'playwright-core';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { findChromium, launchChromium } from '#local/connect-page/chromium.js';
import { PagePerson } from '#local/connect-page/page-person.js';
import { ENV } from '#shared/contract/workflow.js';
import { API_TEST_POLLING, startWorkflowHarness, type WorkflowHarness } from '#test/support/workflow-harness.js';

const chromiumPath = findChromium();
if (!chromiumPath) {
  console.warn(
    'The connect page browser tests are skipped: no Chromium was found (apt-get install chromium, or set CHROMIUM_PATH).',
  );
}

let h: WorkflowHarness;
let browser: Browser;
let person: PagePerson;

/** Every control of the shown step, as Chromium's accessibility tree has it: one line per node, `role "name"`. */
const controlsOfStep = async (page: Page) =>
  (await page.locator('main section:not([hidden])').ariaSnapshot())
    .split('\n')
    .map((line) => line.trim().replace(/^- /, ''))
    .filter((line) => /^(textbox|searchbox|radio|combobox|button|link|img)\b/.test(line));

/** A control a screen reader could not name: no accessible name in the tree. */
const unnamed = (control: string) => !/^\w+ "[^"]+"/.test(control);

/** What has focus, as the accessibility tree names it: `textbox "Username"`. */
const focused = async (page: Page) =>
  (await page.locator(':focus').ariaSnapshot()).split('\n')[0]?.replace(/^- /, '').replace(/:$/, '') ?? '';

describe.skipIf(!chromiumPath)('the reference connect page, in headless Chromium', () => {
  beforeAll(async () => {
    [h, browser] = await Promise.all([
      // 1 s of MX time is 10 ms: a person's few seconds at the page stay well inside MX's limits.
      startWorkflowHarness({
        timeScale: 0.005,
        simulator: { seed: 'connect-page', jobDurationMs: 60_000, transactionsPerAccount: 5 },
        // An hour of MX time (36 s here) for the person to finish at the bank, on a loaded machine too.
        environment: { ...API_TEST_POLLING, [ENV.oauthTimeoutSeconds]: '3600' },
      }),
      launchChromium(String(chromiumPath)),
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
    const rendered = await image.evaluate((img) => img.complete && img.naturalWidth > 0);
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
    const pictures = question.getByRole('group', { name: 'Select your security image.' }).getByRole('img');
    const named = await pictures.evaluateAll((imgs) => imgs.map((img) => img.getAttribute('alt')));
    await question.getByRole('radio', { name: /Dog/ }).check();
    await person.send();
    const outcome = await person.outcome();
    const owners = await person.table('Account owners');

    expect(named).toEqual(['Cat', 'Dog', 'Fish']);
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

  it('connects through the bank’s OAuth window opened from the page', async () => {
    await person.findBank('aggregate', 'OAuth', 'MX Bank (OAuth)');
    await person.page.getByRole('button', { name: 'Continue to MX Bank (OAuth)' }).click();
    const said = await person.finishAtBank('Allow');
    const outcome = await person.outcome();
    const accounts = await person.table('Accounts');

    expect(said).toContain('Authorization complete');
    expect(outcome).toContain('Connected to MX Bank (OAuth).');
    expect(accounts.map(([name]) => name)).toContain('MX Bank (OAuth) Checking');
  });

  it('says the connection was refused when the person denies it at the bank, and lets them try again with a new window', async () => {
    await person.findBank('verify', 'OAuth', 'MX Bank (OAuth)');
    await person.page.getByRole('button', { name: 'Continue to MX Bank (OAuth)' }).click();
    const firstLink = await (await person.oauthLink()).getAttribute('href');
    const said = await person.finishAtBank('Deny');
    const refused = await person.outcome();
    await person.page.getByRole('button', { name: 'Try again' }).click();
    const secondLink = await (await person.oauthLink()).getAttribute('href');
    await person.finishAtBank('Allow');
    await (await person.challenge()).getByRole('radio', { name: /Checking/ }).check();
    await person.send();
    const connected = await person.outcome();

    expect(said).toContain('You declined to share your data');
    expect(refused).toContain('You did not allow the connection at your bank.');
    expect(secondLink).not.toBe(firstLink);
    expect(connected).toContain('Connected to MX Bank (OAuth).');
    expect(await person.table('Account and routing numbers')).toHaveLength(1);
  });

  it('can be used with the keyboard alone: every control is named, focus follows the steps', async () => {
    const { page } = person;
    const stops: string[] = [];
    for (let i = 0; i < 4; i++) {
      await page.keyboard.press('Tab');
      stops.push(await focused(page));
    }
    const steps = [await controlsOfStep(page)];
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
    steps.push(await controlsOfStep(page));
    await page.keyboard.press('Tab');
    await page.keyboard.type('mxuser');
    await page.keyboard.press('Tab');
    await page.keyboard.type('challenge');
    await page.keyboard.press('Enter');
    await person.challenge();
    const onChallenge = await focused(page);
    steps.push(await controlsOfStep(page));
    await page.keyboard.type('correct');
    await page.keyboard.press('Enter');
    await page.getByRole('radio', { name: /Checking/ }).waitFor();
    await page.keyboard.press('Space');
    await page.keyboard.press('Enter');
    await person.outcome();
    const onDone = await focused(page);
    steps.push(await controlsOfStep(page));

    expect(stops).toEqual([
      'link "Skip to the connection steps"',
      'radio "Account and routing numbers" [checked]',
      'searchbox "Bank name"',
      'button "Search"',
    ]);
    expect(onBank).toBe('button "MX Bank"');
    expect(onSignIn).toBe('heading "2. Sign in to MX Bank" [level=2]');
    expect(onChallenge).toBe('textbox "What city were you born in?"');
    expect(onDone).toBe('heading "4. Done" [level=2]');
    expect(steps.map((controls) => controls.filter(unnamed))).toEqual([[], [], [], []]);
    expect(steps[1]).toEqual(expect.arrayContaining(['textbox "Username"', 'textbox "Password"', 'button "Connect"']));
    expect(steps[2]).toEqual(expect.arrayContaining(['textbox "What city were you born in?"', 'button "Send answer"']));
  });
});
