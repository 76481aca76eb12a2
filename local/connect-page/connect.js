// The end user's side of a connection, against mxflow's API on this page's origin: choose a bank,
// sign in (credentials or the bank's OAuth window), answer the bank's challenges as MX sends
// them, and see what was read, masked. A fintech's frontend does the same through its backend.

/** Where mxflow's API is: this origin locally; behind a backend, the prefix its proxy answers on. */
const API_BASE = '';
const POLL_MS = Number(new URLSearchParams(location.search).get('poll_ms')) || 1000;
const RESULTS_SHOWN = 25;

/** What each product reads, and which institutions can give it (MX's institution flags). */
const PRODUCTS = {
  verify: { read: 'account and routing numbers', filter: 'supports_account_verification' },
  identify: { read: 'account owners', filter: 'supports_account_identification' },
  aggregate: { read: 'accounts and transactions', filter: 'supports_transaction_history' },
};

/** MX's connection statuses while a job runs, in the end user's words. */
const CONNECTION_WORDS = {
  CREATED: 'Contacting your bank…',
  PENDING: 'Waiting for you to sign in at your bank…',
  CHALLENGED: 'Your bank has a question for you.',
  RECONNECTED: 'Signing in…',
  CONNECTED: 'Signed in. Reading your data…',
  DELAYED: 'Your bank is slow to answer; still working…',
  RESUMED: 'Checking your answer…',
};

/** Why a job failed (its error.code), in words for the end user; the API's own message is for the fintech. */
const FAILURE_WORDS = {
  CREDENTIALS_INVALID: 'Your bank did not accept that username or password. Check them and try again.',
  CREDENTIALS_REQUIRED: 'Your bank needs you to sign in again.',
  LOGIN_PREVENTED: 'Your bank is refusing sign-ins after too many attempts. Wait a while, then try again.',
  MFA_REJECTED: 'Your bank did not accept your answer. Try again.',
  CHALLENGE_EXPIRED: "Your bank's question went unanswered for too long. Try again.",
  ACCOUNT_LOCKED: 'Your bank has locked your account. Contact your bank to unlock it.',
  USER_ACTION_REQUIRED: 'Your bank needs you to do something on its own site first (accept terms, update details).',
  NO_ELIGIBLE_ACCOUNTS: 'None of your accounts at this bank can be used here: a checking or savings account is needed.',
  NO_ACCOUNT_NUMBERS: 'Your bank did not share the numbers of your accounts.',
  OAUTH_DENIED: 'You did not allow the connection at your bank. You can try again.',
  OAUTH_ABANDONED: 'The sign-in at your bank was not finished. You can try again.',
  OAUTH_PENDING: 'The sign-in at your bank was not finished. You can try again.',
  INSTITUTION_UNAVAILABLE: 'Your bank is not answering right now. Try again later.',
};

/** The failures the person can do something about now: a new OAuth window, or sign in (or start) again. */
const OAUTH_FAILURES = ['OAUTH_DENIED', 'OAUTH_ABANDONED', 'OAUTH_PENDING'];
const RETRYABLE = [
  ...OAUTH_FAILURES,
  'CREDENTIALS_INVALID',
  'CREDENTIALS_REQUIRED',
  'MFA_REJECTED',
  'CHALLENGE_EXPIRED',
];
/** The job statuses that end a job (the API's TERMINAL_JOB_STATUSES). */
const ENDED = ['SUCCEEDED', 'FAILED', 'TIMED_OUT', 'CANCELLED'];

/** Only what the page means to show: an image as data, a link over http(s) (never a script URL). */
const imageData = (uri) => (typeof uri === 'string' && /^data:image\//.test(uri) ? uri : undefined);
const webLink = (uri) => (typeof uri === 'string' && /^https?:\/\//.test(uri) ? uri : undefined);

const $ = (id) => /** @type {HTMLElement} */ (document.getElementById(id));
const state = {
  product: 'verify',
  userGuid: '',
  bank: /** @type {{code: string, name: string} | null} */ (null),
  member: /** @type {{guid: string, is_oauth: boolean} | null} */ (null),
  job: /** @type {any} */ (null),
  round: '',
  rounds: 0,
  timer: 0,
  /** Bumped whenever the page stops following a job: an answer that arrives for an older one is dropped. */
  ticket: 0,
  pollFailed: false,
};

class ApiFailure extends Error {
  constructor(status, error) {
    super(error?.message ?? `the API answered ${status}`);
    this.status = status;
    this.code = error?.code;
    this.field = error?.field;
  }
}

/** One call to mxflow's API; a refusal becomes an ApiFailure carrying the API's error body. */
async function api(method, path, body) {
  const response = await fetch(`${API_BASE}${path}`, {
    method,
    headers: body === undefined ? {} : { 'content-type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const data = await response.json().catch(() => ({}));
  if (!response.ok) throw new ApiFailure(response.status, data.error);
  return data;
}

const memberPath = () => `/users/${state.userGuid}/members/${state.member?.guid}`;
const jobPath = (job) => `/users/${job.user_guid}/members/${job.member_guid}/jobs/${job.guid}`;

/** A form's fields as the API takes credentials and answers: `{ guid, value }` each. */
const guidValues = (form) => [...new FormData(form)].map(([guid, value]) => ({ guid, value: String(value) }));

function el(tag, attributes = {}, ...children) {
  const node = document.createElement(tag);
  for (const [name, value] of Object.entries(attributes)) {
    if (value === false || value === undefined || value === null) continue;
    if (name === 'text') node.textContent = String(value);
    else node.setAttribute(name, value === true ? '' : String(value));
  }
  node.append(...children.filter((c) => c !== undefined));
  return node;
}

/** Announces a change (the live region reads only what changed). */
function say(text) {
  if ($('status').textContent !== text) $('status').textContent = text;
}

function showProblem(error) {
  const problem = $('problem');
  problem.replaceChildren();
  if (!error) return;
  const message = error instanceof ApiFailure && error.field ? `${error.message} (${error.field})` : error.message;
  problem.append(el('p', { text: message }));
}

/** Shows one step, hides the others, and moves focus to its heading so a screen reader follows. */
function showStep(id) {
  for (const section of document.querySelectorAll('main > section')) section.hidden = section.id !== id;
  $(`${id}-title`).focus();
}

// ── 1. the bank ─────────────────────────────────────────────────────────────────────────────
async function searchBanks(name) {
  const filter = PRODUCTS[state.product].filter;
  const query = new URLSearchParams({ name, [filter]: 'true', records_per_page: '10' });
  const { institutions } = await api('GET', `/institutions?${query}`);
  const list = $('banks');
  const none = el('li', { text: `No bank named “${name}” offers ${PRODUCTS[state.product].read}.` });
  list.replaceChildren(
    ...(institutions.length === 0 ? [none] : []),
    ...institutions.map((bank) =>
      el(
        'li',
        {},
        el('button', { type: 'button', 'data-code': bank.code, text: bank.name }),
        bank.supports_oauth ? el('span', { class: 'note', text: ' signs in on its own site (OAuth)' }) : undefined,
      ),
    ),
  );
  for (const button of list.querySelectorAll('button')) {
    const bank = institutions.find((b) => b.code === button.dataset.code);
    button.addEventListener('click', () => void chooseBank(bank).catch(showProblem));
  }
  say(
    institutions.length === 0
      ? none.textContent
      : `${institutions.length} ${institutions.length === 1 ? 'bank' : 'banks'} found.`,
  );
}

// ── 2. signing in ───────────────────────────────────────────────────────────────────────────
async function chooseBank(bank) {
  showProblem(null);
  state.bank = bank;
  const { credentials } = await api('GET', `/institutions/${encodeURIComponent(bank.code)}/credentials`);
  const form = $('sign-in-form');
  $('step-sign-in-title').textContent = `2. Sign in to ${bank.name}`;
  if (credentials.length === 0) {
    form.replaceChildren(
      el('p', { text: `${bank.name} signs you in on its own site. We will give you a link to it.` }),
      el('button', { type: 'submit', text: `Continue to ${bank.name}` }),
    );
  } else {
    const fields = [...credentials].sort((a, b) => (a.display_order ?? 0) - (b.display_order ?? 0));
    form.replaceChildren(...fields.map(credentialField), el('button', { type: 'submit', text: 'Connect' }));
  }
  form.dataset.oauth = String(credentials.length === 0);
  showStep('step-sign-in');
}

/** One credential the bank asks for: a password masked, options as a list to choose from. */
function credentialField(credential) {
  const id = `credential-${credential.guid}`;
  const type = credential.field_type ?? credential.type;
  const label = el('label', { for: id, text: credential.label ?? credential.field_name });
  if (Array.isArray(credential.options) && credential.options.length > 0) {
    const select = el(
      'select',
      { id, name: credential.guid, required: true },
      ...credential.options.map((o) => el('option', { value: o.value, text: o.label })),
    );
    return el('div', { class: 'field' }, label, select);
  }
  const secret = type === 'PASSWORD';
  const input = el('input', {
    id,
    name: credential.guid,
    type: secret ? 'password' : 'text',
    autocomplete: secret
      ? 'current-password'
      : type === 'LOGIN' || credential.field_name === 'LOGIN'
        ? 'username'
        : 'off',
    required: true,
  });
  return el('div', { class: 'field' }, label, input);
}

async function signIn(form) {
  showProblem(null);
  const oauth = form.dataset.oauth === 'true';
  const credentials = guidValues(form);
  // The credentials go to mxflow once, straight to MX: never kept here or in the page's state.
  for (const input of form.querySelectorAll('input')) input.value = '';
  if (!state.userGuid) {
    const { user } = await api('POST', '/users', { user: { id: `connect-page-${crypto.randomUUID()}` } });
    state.userGuid = user.guid;
  }
  let answer;
  if (state.member && !oauth) {
    answer = await api('PUT', memberPath(), { member: { credentials } });
  } else if (state.member) {
    answer = await api('POST', `${memberPath()}/oauth_window_uri`, {});
  } else {
    // With credentials and no aggregation wanted, no job follows the member: the product's job starts below.
    answer = await api('POST', `/users/${state.userGuid}/members`, {
      member: oauth
        ? { institution_code: state.bank.code, is_oauth: true }
        : { institution_code: state.bank.code, credentials, skip_aggregation: state.product !== 'aggregate' },
    });
  }
  state.member = answer.member;
  state.rounds = 0;
  showStep('step-progress');
  if (answer.job) follow(answer.job);
  else await startProduct();
}

// ── 3. the job ──────────────────────────────────────────────────────────────────────────────
async function startProduct() {
  const { job } = await api('POST', `${memberPath()}/${state.product}`, {});
  follow(job);
}

/** Stops following the job: a read on its way is ignored when it arrives. */
function stopFollowing() {
  clearTimeout(state.timer);
  state.ticket += 1;
}

/** Shows the job, then reads it again every POLL_MS until it ends. */
function follow(job) {
  stopFollowing();
  const ticket = state.ticket;
  render(job);
  if (ENDED.includes(job.status)) {
    void finished(job).catch(showProblem);
    return;
  }
  state.timer = setTimeout(async () => {
    let now = job;
    try {
      now = (await api('GET', jobPath(job))).job;
      if (state.pollFailed) showProblem(null);
      state.pollFailed = false;
    } catch (error) {
      state.pollFailed = true;
      showProblem(error);
    }
    if (ticket === state.ticket) follow(now);
  }, POLL_MS);
}

function render(job) {
  state.job = job;
  const words = CONNECTION_WORDS[job.connection_status] ?? 'Working…';
  $('progress').textContent = job.status === 'CHALLENGED' ? CONNECTION_WORDS.CHALLENGED : words;
  say(`${state.bank?.name ?? 'Your bank'}: ${$('progress').textContent}`);
  const oauth = $('oauth');
  const link = webLink(job.oauth_window_uri);
  oauth.hidden = job.status !== 'ACTION_REQUIRED' || !link;
  if (link) {
    const anchor = /** @type {HTMLAnchorElement} */ ($('oauth-link'));
    anchor.href = link;
    anchor.textContent = `Sign in at ${state.bank?.name ?? 'your bank'}`;
  }
  const challenges = job.status === 'CHALLENGED' ? (job.challenges ?? []) : [];
  const round = challenges.map((c) => c.guid).join(',');
  if (round !== state.round) showChallenges(challenges, round);
}

/** One form for the round: every challenge MX asked together is answered in one PUT. */
function showChallenges(challenges, round) {
  state.round = round;
  const form = $('challenge-form');
  form.hidden = challenges.length === 0;
  if (challenges.length === 0) return form.replaceChildren();
  state.rounds += 1;
  form.replaceChildren(
    ...(state.rounds > 1 ? [el('p', { class: 'note', text: 'Your bank has another question.' })] : []),
    ...challenges.map(challengeField),
    el('button', { type: 'submit', text: challenges.length > 1 ? 'Send answers' : 'Send answer' }),
  );
  form.querySelector('input, select')?.focus();
}

/** A challenge as MX sends it: text or a code, options, an image to read, or images to choose from. */
function challengeField(challenge, index) {
  const id = `challenge-${index}`;
  const label = challenge.label ?? 'Your bank asks:';
  if (challenge.type === 'OPTIONS' || challenge.type === 'IMAGE_OPTIONS') {
    const options = challenge.options ?? challenge.image_options ?? [];
    return el(
      'fieldset',
      { class: 'choices' },
      el('legend', { text: label }),
      ...options.map((option, n) =>
        el(
          'label',
          { class: imageData(option.data_uri) ? 'image-choice' : undefined },
          el('input', { type: 'radio', name: challenge.guid, value: option.value, required: n === 0 }),
          // Named by the label beside it: the picture itself says nothing more to a screen reader.
          imageData(option.data_uri) ? el('img', { src: imageData(option.data_uri), alt: '' }) : undefined,
          el('span', { text: option.label ?? `Choice ${n + 1}` }),
        ),
      ),
    );
  }
  const picture = challenge.type === 'IMAGE_DATA' ? imageData(challenge.image_data) : undefined;
  const image =
    challenge.type !== 'IMAGE_DATA'
      ? undefined
      : picture
        ? el('img', { class: 'challenge-image', src: picture, alt: 'The image your bank shows' })
        : el('p', {
            class: 'note',
            text: 'Your bank sent an image that cannot be shown here. Start over to try again.',
          });
  const input = el('input', {
    id,
    name: challenge.guid,
    type: 'text',
    required: true,
    autocomplete: challenge.type === 'TOKEN' ? 'one-time-code' : 'off',
    inputmode: challenge.type === 'TOKEN' ? 'numeric' : undefined,
  });
  return el('div', { class: 'field' }, el('label', { for: id, text: label }), image, input);
}

async function answer(form) {
  showProblem(null);
  const challenges = guidValues(form);
  // No read may bring the answered round back while the answer is on its way.
  stopFollowing();
  form.hidden = true;
  $('step-progress-title').focus();
  say('Sending your answer…');
  try {
    follow((await api('PUT', `${jobPath(state.job)}/challenges`, { challenges })).job);
  } catch (error) {
    form.hidden = false;
    follow(state.job);
    throw error;
  }
}

async function newOAuthWindow() {
  showProblem(null);
  const { job } = await api('POST', `${memberPath()}/oauth_window_uri`, {});
  showStep('step-progress');
  if (job) follow(job);
  if (!webLink(job?.oauth_window_uri)) return;
  say('A new sign-in link is ready.');
  // The link is where the person goes next, and the focus shows it changed.
  $('oauth-link').focus();
}

// ── 4. the outcome ──────────────────────────────────────────────────────────────────────────
async function finished(job) {
  // The connection's own aggregation (OAuth, new credentials) comes first; then the product's job.
  if (job.status === 'SUCCEEDED' && job.type !== state.product) return startProduct();
  showStep('step-done');
  const outcome = $('outcome');
  const retry = /** @type {HTMLButtonElement} */ (document.querySelector('[data-action="try-again"]'));
  retry.hidden = !RETRYABLE.includes(job.error?.code);
  $('results').replaceChildren();
  if (job.status !== 'SUCCEEDED') {
    const words = FAILURE_WORDS[job.error?.code] ?? 'Something went wrong while connecting. Try again later.';
    outcome.replaceChildren(
      el('p', { class: 'failed', text: `We could not connect ${state.bank?.name}. ${words}` }),
      el(
        'details',
        {},
        el('summary', { text: 'For developers' }),
        el('p', { text: `${job.status} ${job.error?.code ?? ''}: ${job.error?.message ?? 'no reason given'}` }),
      ),
    );
    say(`Not connected: ${words}`);
    return;
  }
  outcome.replaceChildren(el('p', { class: 'succeeded', text: `Connected to ${state.bank?.name}.` }));
  say(`Connected to ${state.bank?.name}.`);
  await showResults();
}

const masked = (number) => (number ? `•••• ${String(number).slice(-4)}` : '—');

async function read(kind) {
  const page = await api('GET', `${memberPath()}/${kind}?limit=${RESULTS_SHOWN}`);
  return page[kind] ?? [];
}

function table(caption, headings, rows) {
  return el(
    'table',
    {},
    el('caption', { text: caption }),
    el('thead', {}, el('tr', {}, ...headings.map((h) => el('th', { scope: 'col', text: h })))),
    el('tbody', {}, ...rows.map((row) => el('tr', {}, ...row.map((cell) => el('td', { text: cell ?? '—' }))))),
  );
}

/** What the job read: numbers masked to their last four digits, a tokenized number (TAN) never shown. */
async function showResults() {
  const accounts = (await read('accounts')).sort((a, b) => String(a.name).localeCompare(String(b.name)));
  const byGuid = new Map(accounts.map((a) => [a.guid, a]));
  const results = $('results');
  if (state.product === 'verify') {
    const numbers = await read('account_numbers');
    results.append(
      table(
        'Account and routing numbers',
        ['Account', 'Account number', 'Routing number'],
        numbers.map((n) => {
          const account = byGuid.get(n.account_guid);
          const shown = account?.account_number
            ? masked(account.account_number)
            : n.is_tokenized
              ? 'tokenized'
              : masked(n.account_number);
          return [account?.name, shown, n.routing_number];
        }),
      ),
    );
  } else if (state.product === 'identify') {
    const owners = await read('account_owners');
    results.append(
      table(
        'Account owners',
        ['Owner', 'City', 'State', 'Account'],
        owners.map((o) => [o.owner_name, o.city, o.state, byGuid.get(o.account_guid)?.name]),
      ),
    );
  } else {
    const transactions = (await read('transactions')).sort((a, b) => String(b.date).localeCompare(String(a.date)));
    results.append(
      table(
        'Accounts',
        ['Account', 'Type', 'Number', 'Balance'],
        accounts.map((a) => [a.name, a.type, masked(a.account_number), money(a.balance, a.currency_code)]),
      ),
      table(
        `Transactions (the first ${RESULTS_SHOWN})`,
        ['Date', 'Description', 'Amount'],
        transactions.map((t) => [t.date, t.description, money(signed(t), t.currency_code)]),
      ),
    );
  }
  $('step-done-title').focus();
}

const signed = (t) => (t.type === 'DEBIT' ? -Math.abs(t.amount) : t.amount);
const money = (amount, currency) =>
  typeof amount === 'number'
    ? new Intl.NumberFormat('en-US', { style: 'currency', currency: currency || 'USD' }).format(amount)
    : '—';

/** Another go at what failed: a new OAuth window, new credentials (PUT, as MX's guides ask), or the job again. */
async function tryAgain() {
  showProblem(null);
  state.rounds = 0;
  if (OAUTH_FAILURES.includes(state.job?.error?.code)) return newOAuthWindow();
  if (!state.member?.is_oauth) return chooseBank(state.bank);
  await startProduct();
  showStep('step-progress');
}

/** Back to the first step; a job still running is cancelled, as the person left it. */
function startOver() {
  stopFollowing();
  const running = state.job && !ENDED.includes(state.job.status) ? state.job : null;
  if (running) void api('POST', `${jobPath(running)}/cancel`).catch(() => undefined);
  Object.assign(state, { bank: null, member: null, job: null, round: '', rounds: 0 });
  $('banks').replaceChildren();
  $('challenge-form').replaceChildren();
  showProblem(null);
  say('');
  showStep('step-bank');
}

// ── wiring ──────────────────────────────────────────────────────────────────────────────────
function on(form, handler) {
  form.addEventListener('submit', (event) => {
    event.preventDefault();
    void handler(form).catch(showProblem);
  });
}

const actions = { 'start-over': startOver, 'try-again': tryAgain, 'new-oauth-window': newOAuthWindow };
for (const button of document.querySelectorAll('[data-action]')) {
  const action = actions[button.dataset.action];
  button.addEventListener('click', () => void Promise.resolve(action()).catch(showProblem));
}
$('product-form').addEventListener('change', (event) => {
  state.product = event.target.value;
  $('banks').replaceChildren();
});
on($('search-form'), (form) => searchBanks(String(new FormData(form).get('name')).trim()));
on($('sign-in-form'), signIn);
on($('challenge-form'), answer);
