// Action segments in the docs' naming convention: `invoice.sent`, `invoice.paid`,
// `subscription.cancelled`, `article.unfavorited`. Not a full English conjugator: regular verbs,
// the irregular ones that name API actions, and the nouns that must not be read as verbs.

const irregular: Record<string, string> = {
  send: 'sent',
  resend: 'resent',
  pay: 'paid',
  repay: 'repaid',
  prepay: 'prepaid',
  buy: 'bought',
  sell: 'sold',
  make: 'made',
  remake: 'remade',
  take: 'taken',
  give: 'given',
  write: 'written',
  rewrite: 'rewritten',
  read: 'read',
  set: 'set',
  reset: 'reset',
  unset: 'unset',
  put: 'put',
  cut: 'cut',
  shut: 'shut',
  split: 'split',
  spend: 'spent',
  lend: 'lent',
  build: 'built',
  rebuild: 'rebuilt',
  lose: 'lost',
  find: 'found',
  bind: 'bound',
  unbind: 'unbound',
  hold: 'held',
  withhold: 'withheld',
  win: 'won',
  begin: 'begun',
  choose: 'chosen',
  freeze: 'frozen',
  unfreeze: 'unfrozen',
  hide: 'hidden',
  unhide: 'unhidden',
  forget: 'forgotten',
  forgive: 'forgiven',
  get: 'got',
  keep: 'kept',
  leave: 'left',
  meet: 'met',
  feed: 'fed',
  forbid: 'forbidden',
  undo: 'undone',
  redo: 'redone',
  do: 'done',
  draw: 'drawn',
  withdraw: 'withdrawn',
  throw: 'thrown',
  show: 'shown',
  run: 'run',
  rerun: 'rerun',
  sign: 'signed',
  broadcast: 'broadcast',
  forecast: 'forecast',
  upset: 'upset',
  overwrite: 'overwritten',
  override: 'overridden',
  ride: 'ridden',
  speak: 'spoken',
  steal: 'stolen',
  tear: 'torn',
  wear: 'worn',
  bear: 'borne',
  swear: 'sworn',
  seek: 'sought',
  teach: 'taught',
  catch: 'caught',
  think: 'thought',
  bring: 'brought',
  fight: 'fought',
  light: 'lit',
  mislay: 'mislaid',
  lay: 'laid',
  tell: 'told',
  hang: 'hung',
  stand: 'stood',
  understand: 'understood',
  uphold: 'upheld',
  wake: 'woken',
  drive: 'driven',
  fly: 'flown',
  grow: 'grown',
  know: 'known',
  blow: 'blown',
  // Past tenses that already read as one: `/items/:id/shared`.
};

// Verbs whose last consonant doubles before -ed (`ship` -> `shipped`), British spelling for
// -l as in the docs' `subscription.cancelled`.
const doubles = new Set([
  'ban',
  'bar',
  'cancel',
  'chat',
  'commit',
  'control',
  'drop',
  'equip',
  'flag',
  'label',
  'level',
  'model',
  'nag',
  'omit',
  'pin',
  'plan',
  'plug',
  'prefer',
  'refer',
  'rebut',
  'regret',
  'rub',
  'scan',
  'ship',
  'shop',
  'signal',
  'skip',
  'slot',
  'star',
  'stop',
  'strip',
  'submit',
  'tag',
  'transfer',
  'travel',
  'trim',
  'unpin',
  'unstar',
  'untag',
  'unplug',
  'wrap',
  'unwrap',
  'zip',
  'unzip',
  'admit',
  'emit',
  'permit',
  'dispel',
  'compel',
  'propel',
  'patrol',
  'total',
  'fulfil',
  'enrol',
  'excel',
  'occur',
  'confer',
  'defer',
  'infer',
  'deter',
]);

/**
 * Singular nouns seen after an item in REST paths (`/users/:id/avatar`): they name a part of the
 * resource, not an action, so `PUT /users/:id/avatar` is `user.avatar_updated`, not a verb.
 */
const nouns = new Set([
  'address',
  'avatar',
  'banner',
  'billing',
  'config',
  'configuration',
  'content',
  'cover',
  'email',
  'icon',
  'image',
  'logo',
  'metadata',
  'name',
  'owner',
  'password',
  'pdf',
  'csv',
  'photo',
  'picture',
  'plan',
  'policy',
  'preferences',
  'profile',
  'role',
  'schedule',
  'settings',
  'status',
  'subscription',
  'tier',
  'title',
  'visibility',
  'webhook',
  'permissions',
  'membership',
  'description',
  'body',
  'notes',
  'note',
  'payload',
  'quota',
  'limit',
  'state',
  'phone',
  'username',
  'slug',
  'avatar_url',
  'thumbnail',
  'attachment',
  'file',
  'document',
  'signature',
  'secret',
  'key',
  'token',
  'api_key',
  'domain',
  'team',
  'organization',
  'workspace',
  'user',
  'manager',
  'assignee',
  'parent',
  'location',
  'timezone',
  'locale',
  'language',
  'currency',
  'price',
  'amount',
  'balance',
  'tags',
  'data',
  'details',
  'info',
  'summary',
  'stats',
  'usage',
]);

/** Words that are an action when POSTed and a part of the resource otherwise. */
const either = new Set([
  'email',
  'message',
  'text',
  'comment',
  'review',
  'report',
  'schedule',
  'reply',
  'export',
  'import',
  'upload',
  'transfer',
  'refund',
  'charge',
  'invoice',
  'bill',
  'print',
  'preview',
  'feature',
  'tag',
  'label',
  'flag',
]);

/**
 * Words that are verbs although the inflector reads them as plurals or as nouns (`process`,
 * `access`, `address`), in the position of an action: `POST /invoices/:id/process`.
 */
const verbsEndingInS = new Set([
  'process',
  'access',
  'dismiss',
  'discuss',
  'bypass',
  'pass',
  'press',
  'express',
  'focus',
  'unfocus',
  'bless',
  'assess',
  'guess',
  'toss',
  'miss',
  'kiss',
  'cross',
  'release',
  'close',
  'pause',
  'unpause',
  'use',
  'reuse',
  'refuse',
  'excuse',
  'cause',
  'raise',
  'revise',
  'advise',
  'analyse',
  'browse',
  'compose',
  'dispose',
  'expose',
  'impose',
  'oppose',
  'pose',
  'propose',
  'repose',
  'suppose',
  'transpose',
  'confuse',
  'diffuse',
  'fuse',
  'infuse',
  'abuse',
  'accuse',
  'amuse',
  'choose',
  'lose',
  'loose',
  'house',
  'rouse',
  'arouse',
  'douse',
  'endorse',
  'reimburse',
  'disburse',
  'collapse',
  'lapse',
  'rinse',
  'cleanse',
  'license',
  'dispense',
  'condense',
  'sense',
  'tense',
  'rehearse',
  'reverse',
  'immerse',
  'converse',
  'traverse',
  'purchase',
  'chase',
  'erase',
  'phrase',
  'ease',
  'cease',
  'lease',
  'increase',
  'decrease',
  'tease',
  'please',
  'appease',
  'apologise',
  'authorise',
  'finalise',
  'initialise',
  'normalise',
  'optimise',
  'organise',
  'recognise',
  'synchronise',
  'summarise',
  'customise',
  'prioritise',
  'minimise',
  'maximise',
  'sanitise',
  'localise',
  'publicise',
  'itemise',
  'categorise',
  'anonymise',
  'archive',
]);

/**
 * The past tense of one snake_case action segment: `send` -> `sent`, `approve` -> `approved`,
 * `cancel` -> `cancelled`, `retry` -> `retried`; in a compound only the first word changes
 * (`mark_paid` -> `marked_paid`). A segment already in the past tense is kept.
 *
 * @example
 * pastTense('send'); // 'sent'
 */
export function pastTense(segment: string): string {
  // `POST /invoices/:id/overdue` marks it overdue: an adjective has no past tense.
  if (states.has(segment)) return `marked_${segment}`;
  const words = segment.split('_');
  // `bulk_delete` -> `bulk_deleted`: a qualifier before the verb stays as it is.
  let i = 0;
  while (i < words.length - 1 && qualifiers.has(words[i]!)) i++;
  words[i] = pastWord(words[i]!);
  return words.join('_');
}

const qualifiers = new Set(['bulk', 'batch', 'mass', 'auto', 'force', 'self', 'all']);

function pastWord(word: string): string {
  const known = irregular[word];
  if (known !== undefined) return known;
  if (word.endsWith('ed') && word.length > 3) return word;
  if (doubles.has(word)) return `${word}${word.at(-1)}ed`;
  if (word.endsWith('e')) return `${word}d`;
  if (/[^aeiou]y$/.test(word)) return `${word.slice(0, -1)}ied`;
  return `${word}ed`;
}

/**
 * The undo of an action, for DELETE on an action segment: `favorite` -> `unfavorited`,
 * `follow` -> `unfollowed`, `subscribe` -> `unsubscribed`. A segment that is already an undo
 * (`unfollow`) is kept in the past tense.
 *
 * @example
 * undoneTense('favorite'); // 'unfavorited'
 */
export function undoneTense(segment: string): string {
  if (segment.startsWith('un') && pastTense(segment.slice(2)) !== segment.slice(2)) {
    return pastTense(segment);
  }
  // `DELETE /members/:id/remove` removes: a verb that ends something has no undo to name.
  if (final.has(segment.split('_', 1)[0]!)) return pastTense(segment);
  // `DELETE /invoices/:id/overdue` takes the mark off.
  if (states.has(segment)) return `unmarked_${segment}`;
  return `un${pastTense(segment)}`;
}

/** Verbs that end or take away something: DELETE on them does what they say, never their undo. */
const final = new Set([
  'remove',
  'delete',
  'destroy',
  'cancel',
  'revoke',
  'purge',
  'clear',
  'discard',
  'dismiss',
  'erase',
  'wipe',
  'terminate',
  'kill',
  'drop',
  'detach',
  'disconnect',
  'leave',
  'reject',
  'decline',
  'deny',
  'expire',
]);

/**
 * Adjectives seen as a state an item is put in (`POST /invoices/:id/overdue`): an action that
 * marks it (`invoice.marked_overdue`), not a verb to put in the past tense (`overdued`).
 */
const states = new Set([
  'overdue',
  'due',
  'urgent',
  'important',
  'primary',
  'default',
  'public',
  'private',
  'visible',
  'hidden',
  'spam',
  'active',
  'inactive',
  'current',
  'official',
  'unread',
]);

/**
 * Whether a singular path segment after an item (`/invoices/:id/<segment>`) names an action
 * (`send`, `approve`, `favorite`) rather than a part of the resource (`avatar`, `password`).
 * Plural nouns never reach this: they are collections.
 *
 * @example
 * isAction('send', 'POST'); // true
 * isAction('avatar', 'PUT'); // false
 * isAction('email', 'POST'); // true (PUT: false)
 */
export function isAction(segment: string, method: string): boolean {
  const first = segment.split('_', 1)[0]!;
  // `POST /invoices/:id/email` emails the invoice; `PUT /users/:id/email` changes an address.
  if (either.has(segment)) return method === 'POST';
  if (irregular[first] !== undefined || doubles.has(first) || verbsEndingInS.has(first)) return true;
  if (nouns.has(segment) || nouns.has(first)) return false;
  // Abstract-noun endings: `/invoices/:id/configuration`, `/users/:id/membership`.
  if (/(?:tion|sion|ment|ness|ity|ship|ance|ence|hood|dom)$/.test(first)) return false;
  return true;
}

/** Whether a word reads as a verb on a collection (`/invoices/import`, `/users/bulk_delete`). */
export function isKnownVerb(segment: string): boolean {
  const first = segment.split('_', 1)[0]!;
  return (
    irregular[first] !== undefined ||
    doubles.has(first) ||
    collectionVerbs.has(first) ||
    first.endsWith('ify') ||
    first.endsWith('ize')
  );
}

// Verbs that show up on collections: `/invoices/import`, `/users/invite`, `/reports/generate`.
const collectionVerbs = new Set([
  'import',
  'export',
  'invite',
  'generate',
  'merge',
  'reorder',
  'sort',
  'batch',
  'bulk',
  'sync',
  'upload',
  'approve',
  'reject',
  'archive',
  'restore',
  'publish',
  'unpublish',
  'purge',
  'clear',
  'refresh',
  'rotate',
  'revoke',
  'verify',
  'validate',
  'move',
  'copy',
  'duplicate',
  'assign',
  'unassign',
]);
