import type { Browser, Locator, Page } from 'playwright-core';

export type Product = 'verify' | 'identify' | 'aggregate';

const PRODUCT_LABELS: Record<Product, string> = {
  verify: 'Account and routing numbers',
  identify: 'Account owners',
  aggregate: 'Accounts and transactions',
};

/**
 * An end user at the reference connect page, acting only through what the page shows: labels,
 * buttons, links and the bank's OAuth window. The browser tests and `npm run screenshots` use it.
 */
export class PagePerson {
  private constructor(readonly page: Page) {}

  /** Opens `/connect` of the API at `apiUrl`, reading the job every `pollMs`. */
  static async open(browser: Browser, apiUrl: string, pollMs = 200): Promise<PagePerson> {
    const page = await browser.newPage({ viewport: { width: 900, height: 900 } });
    await page.goto(`${apiUrl}/connect?poll_ms=${pollMs}`);
    return new PagePerson(page);
  }

  /** Picks what to share and searches for a bank by name. */
  async search(product: Product, name: string): Promise<void> {
    await this.page.getByLabel(PRODUCT_LABELS[product]).check();
    await this.page.getByLabel('Bank name').fill(name);
    await this.page.getByRole('button', { name: 'Search' }).click();
  }

  async chooseBank(bankName: string): Promise<void> {
    await this.page.getByRole('button', { name: bankName, exact: true }).click();
  }

  async findBank(product: Product, search: string, bankName: string): Promise<void> {
    await this.search(product, search);
    await this.chooseBank(bankName);
  }

  async fillSignIn(username: string, password: string): Promise<void> {
    await this.page.getByLabel('Username').fill(username);
    await this.page.getByLabel('Password').fill(password);
  }

  async signIn(username: string, password: string): Promise<void> {
    await this.fillSignIn(username, password);
    await this.page.getByRole('button', { name: 'Connect' }).click();
  }

  /** An OAuth bank asks for no credentials: the person continues to it. */
  async continueTo(bankName: string): Promise<void> {
    await this.page.getByRole('button', { name: `Continue to ${bankName}` }).click();
  }

  /** The form of the bank's current round of questions, once it shows. */
  async challenge(): Promise<Locator> {
    const form = this.page.locator('#challenge-form');
    await form.waitFor({ state: 'visible' });
    return form;
  }

  async send(): Promise<void> {
    await this.page.getByRole('button', { name: /^Send answers?$/ }).click();
    await this.page.locator('#challenge-form').waitFor({ state: 'hidden' });
  }

  /** The OAuth link, once the job waits for the end user at the bank. */
  async oauthLink(): Promise<Locator> {
    const link = this.page.getByRole('link', { name: /^Sign in at / });
    await link.waitFor({ state: 'visible' });
    return link;
  }

  /** Opens the bank's window from the page, answers its consent, and returns what the window says. */
  async finishAtBank(answer: 'Allow' | 'Deny', onConsent?: (window: Page) => Promise<void>): Promise<string> {
    const window = await this.openBankWindow();
    await window.getByRole('button', { name: answer }).waitFor();
    await onConsent?.(window);
    await window.getByRole('button', { name: answer }).click();
    await window.waitForLoadState();
    const said = await window.locator('body').innerText();
    await window.close();
    return said;
  }

  /** Opens the bank's window from the page and returns what it says, answering nothing (as to a spent link). */
  async lookAtBank(): Promise<string> {
    const window = await this.openBankWindow();
    await window.waitForLoadState();
    const said = await window.locator('body').innerText();
    await window.close();
    return said;
  }

  private async openBankWindow(): Promise<Page> {
    const link = await this.oauthLink();
    const [window] = await Promise.all([this.page.waitForEvent('popup'), link.click()]);
    return window;
  }

  /** The outcome step once it shows a result or a failure, as text. */
  async outcome(): Promise<string> {
    const done = this.page.locator('#step-done');
    await done.locator('table, .failed').first().waitFor({ state: 'visible' });
    return done.innerText();
  }

  /** A results table's rows, each as its cells' text. */
  async table(caption: string | RegExp): Promise<string[][]> {
    const table = this.page.locator('table').filter({ has: this.page.locator('caption', { hasText: caption }) });
    return table
      .locator('tbody tr')
      .evaluateAll((rows) => rows.map((row) => [...row.querySelectorAll('td')].map((td) => td.textContent ?? '')));
  }
}
