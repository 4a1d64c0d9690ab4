// WordPress's REST API as clients written by others read it: npm `wpapi`
// (discovery, paging) and `@wordpress/api-fetch` (WordPress's own
// fetcher). Run by `crates/kiosque/tests/suite/wp_api.rs` against a server
// holding the imported fixture site, with NODE_PATH at .ci/tools's
// node_modules:
//
//   KIOSQUE_WP_SITE=http://127.0.0.1:PORT KIOSQUE_WP_FACTS='{…}' node --test THIS_FILE
//
// KIOSQUE_WP_FACTS says what the site holds (the published posts' ids,
// the commented post, its approved comments, the private addresses that
// must appear nowhere).

'use strict';

const { test } = require('node:test');
const assert = require('node:assert/strict');
const WPAPI = require('wpapi');
const apiFetch = require('@wordpress/api-fetch').default;

const site = process.env.KIOSQUE_WP_SITE;
const facts = JSON.parse(process.env.KIOSQUE_WP_FACTS || '{}');
assert.ok(site, 'KIOSQUE_WP_SITE is not set');

/** Every public answer seen, for the private-address check at the end. */
const seen = [];
const keep = (value) => {
  seen.push(JSON.stringify(value));
  return value;
};

apiFetch.use(apiFetch.createRootURLMiddleware(`${site}/wp-json/`));

let wp;

test('wpapi discovers the API from the site address', async () => {
  wp = await WPAPI.discover(site);
  assert.equal(wp._options.endpoint, `${site}/wp-json/`);
  // Routes bound from the index: a handler for each WordPress resource.
  for (const resource of ['posts', 'pages', 'categories', 'tags', 'users', 'media', 'comments']) {
    assert.equal(typeof wp[resource], 'function', `no ${resource}() after discovery`);
  }
});

test('wpapi pages through every published post with _paging', async () => {
  const ids = [];
  let page = await wp.posts().perPage(1).get();
  keep(page);
  assert.equal(page._paging.total, facts.published.length);
  assert.equal(page._paging.totalPages, facts.published.length);
  for (;;) {
    ids.push(...page.map((p) => p.id));
    if (!page._paging.next) break;
    page = keep(await page._paging.next.get());
  }
  assert.deepEqual([...ids].sort((a, b) => a - b), [...facts.published].sort((a, b) => a - b));
});

test('wpapi reads a post by its WordPress id, with _embed', async () => {
  const post = keep(await wp.posts().id(facts.post).embed().get());
  assert.equal(post.id, facts.post);
  assert.equal(post.type, 'post');
  assert.equal(post.status, 'publish');
  assert.match(post.title.rendered, /\S/);
  assert.match(post.content.rendered, /<p>/);
  assert.equal(post._embedded.author[0].id, post.author);
  assert.equal(post._embedded.author[0].name, facts.author_name);
  const [categories, tags] = post._embedded['wp:term'];
  assert.deepEqual(categories.map((c) => c.id).sort(), [...post.categories].sort());
  assert.deepEqual(tags.map((t) => t.id).sort(), [...post.tags].sort());
  if (post.featured_media) {
    const [media] = post._embedded['wp:featuredmedia'];
    assert.equal(media.id, post.featured_media);
    assert.ok(media.media_details.sizes.full.source_url.startsWith(site));
  }
});

test('wpapi lists categories with their parents', async () => {
  const categories = keep(await wp.categories().perPage(100).get());
  for (const [child, parent] of facts.category_parents) {
    const found = categories.find((c) => c.id === child);
    assert.ok(found, `category ${child} missing`);
    assert.equal(found.parent, parent);
  }
  const child = keep(await wp.categories().parent(facts.category_parents[0][1]).get());
  assert.ok(child.some((c) => c.id === facts.category_parents[0][0]));
});

test("wpapi reads a post's comments: the approved ones only", async () => {
  const comments = keep(await wp.comments().forPost(facts.post).perPage(100).get());
  assert.deepEqual(comments.map((c) => c.id).sort((a, b) => a - b), facts.approved_comments);
  for (const c of comments) {
    assert.equal(c.status, 'approved');
    assert.equal(c.post, facts.post);
    assert.equal(c.author_email, undefined);
  }
});

test('wpapi reads users and media without private fields', async () => {
  const users = keep(await wp.users().get());
  assert.ok(users.length > 0);
  for (const u of users) {
    assert.equal(u.email, undefined);
    assert.equal(u.roles, undefined);
  }
  keep(await wp.media().get());
  keep(await wp.pages().get());
  keep(await wp.tags().get());
});

test('api-fetch reads through the root-URL middleware, headers and all', async () => {
  const response = await apiFetch({ path: '/wp/v2/posts?per_page=1', parse: false });
  assert.equal(response.status, 200);
  assert.equal(Number(response.headers.get('x-wp-total')), facts.published.length);
  assert.equal(Number(response.headers.get('x-wp-totalpages')), facts.published.length);
  keep(await response.json());
  const post = keep(await apiFetch({ path: `/wp/v2/posts/${facts.post}?_embed=author` }));
  assert.equal(post.id, facts.post);
  assert.ok(post._embedded.author);
  assert.equal(post._embedded['wp:term'], undefined);
  const fields = keep(await apiFetch({ path: `/wp/v2/posts?_fields=id,title.rendered` }));
  for (const p of fields) assert.deepEqual(Object.keys(p).sort(), ['id', 'title']);
  keep(await apiFetch({ path: `/wp/v2/comments?post=${facts.post}` }));
});

test('api-fetch gets WordPress error shapes', async () => {
  await assert.rejects(apiFetch({ path: '/wp/v2/posts/999999' }), (e) => {
    assert.equal(e.code, 'rest_post_invalid_id');
    assert.equal(e.data.status, 404);
    return true;
  });
  await assert.rejects(apiFetch({ path: '/wp/v2/posts?per_page=1000' }), (e) => {
    assert.equal(e.code, 'rest_invalid_param');
    assert.equal(e.data.status, 400);
    return true;
  });
});

// Writing, signed in with an Application Password (HTTP Basic).
const auth = { username: facts.login, password: facts.app_password };
const basic = 'Basic ' + Buffer.from(`${auth.username}:${auth.password}`).toString('base64');

test('a wrong Application Password is refused as WordPress refuses it', async () => {
  const intruder = new WPAPI({ endpoint: `${site}/wp-json/`, username: facts.login, password: 'abcd efgh ijkl mnop qrst uvwx' });
  await assert.rejects(intruder.posts().create({ title: 'Intrus', status: 'publish' }), (e) => {
    assert.equal(e.code, 'incorrect_password');
    assert.equal(e.data.status, 401);
    return true;
  });
  const anonymous = new WPAPI({ endpoint: `${site}/wp-json/` });
  await assert.rejects(anonymous.posts().create({ title: 'Anonyme' }), (e) => {
    assert.equal(e.code, 'rest_cannot_create');
    assert.equal(e.data.status, 401);
    return true;
  });
});

let created;

test('wpapi creates and publishes a post that readers then find', async () => {
  const writer = new WPAPI({ endpoint: `${site}/wp-json/`, ...auth });
  created = await writer.posts().create({
    title: 'La lagune en fête',
    content: '<p>Le festival revient <strong>samedi</strong> sur les berges.</p><ul><li>Concerts</li><li>Pirogues</li></ul>',
    excerpt: 'Le festival revient samedi.',
    status: 'publish',
    categories: [facts.category_parents[0][0]],
  });
  assert.equal(created.status, 'publish');
  assert.equal(created.title.raw, 'La lagune en fête');
  assert.deepEqual(created.categories, [facts.category_parents[0][0]]);
  assert.ok(!facts.published.includes(created.id), 'an imported id was given again');
  const page = await fetch(created.link);
  assert.equal(page.status, 200);
  const html = await page.text();
  assert.match(html, /La lagune en fête/);
  assert.match(html, /<strong>samedi<\/strong>/);
  const listed = await new WPAPI({ endpoint: `${site}/wp-json/` }).posts().get();
  assert.equal(listed._paging.total, facts.published.length + 1);
});

test('wpapi uploads a photo', async () => {
  const writer = new WPAPI({ endpoint: `${site}/wp-json/`, ...auth });
  const photo = require('node:fs').readFileSync(facts.photo_file);
  const media = await writer.media().file(photo, 'berges.jpg').create({ alt_text: 'Les berges au matin', caption: 'Les berges' });
  assert.equal(media.media_type, 'image');
  assert.equal(media.alt_text, 'Les berges au matin');
  const file = await fetch(media.source_url);
  assert.equal(file.status, 200);
  // The newsroom reads it by its id; readers once it leads a published story.
  const again = await writer.media().id(media.id).get();
  assert.equal(again.id, media.id);
  assert.equal((await fetch(`${site}/wp-json/wp/v2/media/${media.id}`)).status, 404);
  assert.match(file.headers.get('content-type'), /^image\//);
});

test('api-fetch changes a post with PUT sent as POST + X-HTTP-Method-Override', async () => {
  const seen = [];
  apiFetch.use((options, next) => {
    const headers = { ...(options.headers || {}), Authorization: basic };
    return next({ ...options, headers }).then((r) => r, (e) => { throw e; });
  });
  // See what goes out: api-fetch's own HTTP/1.0 middleware turns PUT
  // into POST with the override header.
  const original = globalThis.fetch;
  globalThis.fetch = (url, init) => {
    seen.push({ method: init.method, override: init.headers && (init.headers['X-HTTP-Method-Override'] || init.headers['x-http-method-override']) });
    return original(url, init);
  };
  try {
    const updated = await apiFetch({ path: `/wp/v2/posts/${created.id}`, method: 'PUT', data: { title: 'La lagune en fête, jour 2' } });
    assert.equal(updated.title.raw, 'La lagune en fête, jour 2');
  } finally {
    globalThis.fetch = original;
  }
  assert.ok(seen.some((s) => s.method === 'POST' && s.override === 'PUT'), JSON.stringify(seen));
  const read = await apiFetch({ path: `/wp/v2/posts/${created.id}` });
  assert.equal(read.title.rendered, 'La lagune en fête, jour 2');
  const raw = await apiFetch({
    path: '/wp/v2/media',
    method: 'POST',
    body: require('node:fs').readFileSync(facts.photo_file),
    headers: { 'Content-Disposition': 'attachment; filename="quai.jpg"', 'Content-Type': 'image/jpeg' },
  });
  assert.equal(raw.mime_type, 'image/jpeg');
  // Drafts are listed for those who may edit them, in the edit context.
  const draft = await apiFetch({ path: '/wp/v2/posts', method: 'POST', data: { title: 'Brouillon du soir', content: '<p>À relire.</p>' } });
  assert.equal(draft.status, 'draft');
  const drafts = await apiFetch({ path: '/wp/v2/posts?status=draft&context=edit' });
  assert.ok(drafts.some((p) => p.id === draft.id && p.content.raw.includes('À relire')));
  assert.ok(drafts.every((p) => p.status === 'draft'));
  const imported = drafts.find((p) => p.id === facts.draft);
  assert.ok(imported, 'the imported draft is there at its WordPress id');
  const anonymousDrafts = await fetch(`${site}/wp-json/wp/v2/posts?status=draft`);
  assert.equal(anonymousDrafts.status, 401);
  const gone = await apiFetch({ path: `/wp/v2/posts/${created.id}?force=true`, method: 'DELETE' });
  assert.equal(gone.deleted, true);
  const after = await fetch(created.link);
  assert.equal(after.status, 404);
});

test('wpapi writes a page: made, changed, deleted', async () => {
  const writer = new WPAPI({ endpoint: `${site}/wp-json/`, ...auth });
  const made = await writer.pages().create({ title: 'Nous contacter', content: '<p>Écrivez à la <em>rédaction</em>.</p>', status: 'publish' });
  assert.equal(made.type, 'page');
  assert.equal(made.slug, 'nous-contacter');
  let html = await (await fetch(made.link)).text();
  assert.match(html, /<em>rédaction<\/em>/);
  const changed = await writer.pages().id(made.id).update({ title: 'Contact' });
  assert.equal(changed.title.raw, 'Contact');
  await assert.rejects(writer.pages().create({ title: 'Brouillon', status: 'draft' }), (e) => {
    assert.equal(e.code, 'rest_invalid_param');
    return true;
  });
  const gone = await writer.pages().id(made.id).delete({ force: true });
  assert.equal(gone.deleted, true);
  assert.equal((await fetch(made.link)).status, 404);
});

test("wpapi comments through the site's moderation", async () => {
  const writer = new WPAPI({ endpoint: `${site}/wp-json/`, ...auth });
  const reply = await writer.comments().create({
    post: facts.post,
    parent: facts.approved_comments[0],
    content: '<p>Merci pour ces précisions sur les quais.</p>',
  });
  // The site holds comments for a moderator: this one waits, unseen.
  assert.equal(reply.status, 'hold');
  assert.equal(reply.parent, facts.approved_comments[0]);
  assert.equal(reply.post, facts.post);
  const shown = keep(await new WPAPI({ endpoint: `${site}/wp-json/` }).comments().forPost(facts.post).perPage(100).get());
  assert.ok(!shown.some((c) => c.id === reply.id), 'a held comment is not public');
  await assert.rejects(writer.comments().create({ post: facts.post, content: '<p>Merci pour ces précisions sur les quais.</p>', parent: facts.approved_comments[0] }), (e) => {
    assert.equal(e.code, 'comment_duplicate');
    return true;
  });
  const anonymous = new WPAPI({ endpoint: `${site}/wp-json/` });
  await assert.rejects(anonymous.comments().create({ post: facts.post, content: 'Anonyme', author_name: 'X', author_email: 'x@example.org' }), (e) => {
    assert.equal(e.code, 'rest_comment_login_required');
    assert.equal(e.data.status, 401);
    return true;
  });
});

// The schemas WordPress's own routes publish (OPTIONS), captured from a
// real WordPress by .ci/wordpress-schemas. Each answer is validated with
// ajv (draft-04, as WordPress declares); formats are not checked, since
// WordPress's own `date` (site time, no zone) is not the RFC 3339
// `date-time` its schema names. Every field the schema gives the asked
// context must be there, and nothing else but `_links` and `_embedded`.
const Ajv = require('ajv-draft-04');
const schemas = require('node:path').join(__dirname, '..', 'fixtures', 'wordpress-schemas');
const ajv = new Ajv({ strict: false, allErrors: true, validateFormats: false });

/** Fields Kiosque leaves out on purpose, by schema and field: why. */
const leftOut = {
  users: { avatar_urls: 'only with a portrait: never a third party\'s (Gravatar) address' },
  comments: { author_avatar_urls: 'never a third party\'s (Gravatar) address' },
};

/** WordPress's schemas as draft-04 reads them: an empty PHP array where
 *  an object is meant (`"properties": []` of `meta`) is the empty object,
 *  and a property's `"required": true` (draft-03's form, which WordPress
 *  keeps for its arguments) is left aside. */
function normalise(schema) {
  if (Array.isArray(schema)) return schema.map(normalise);
  if (schema && typeof schema === 'object') {
    const out = {};
    for (const [k, v] of Object.entries(schema)) {
      if (k === 'required' && typeof v === 'boolean') continue;
      out[k] = k === 'properties' && Array.isArray(v) && v.length === 0 ? {} : normalise(v);
    }
    return out;
  }
  return schema;
}

function divergences(route, item, context) {
  const schema = normalise(JSON.parse(require('node:fs').readFileSync(require('node:path').join(schemas, `${route}.json`), 'utf8')));
  const validate = ajv.compile(schema);
  const found = [];
  if (!validate(item)) {
    for (const e of validate.errors) found.push(`${route}: ${e.instancePath || '/'} ${e.message}`);
  }
  const expected = Object.entries(schema.properties)
    .filter(([, p]) => (p.context || []).includes(context))
    .map(([name]) => name);
  for (const name of expected) {
    if (!(name in item) && !(leftOut[route] && leftOut[route][name])) found.push(`${route}: ${name} missing in ${context}`);
  }
  for (const name of Object.keys(item)) {
    if (!expected.includes(name) && name !== '_links' && name !== '_embedded') found.push(`${route}: ${name} is not in WordPress's ${context} context`);
  }
  return found;
}

test("answers match the schemas WordPress's own routes publish", async () => {
  const get = async (path) => keep(await (await fetch(`${site}/wp-json/wp/v2/${path}`)).json());
  const found = [];
  const check = (route, items, context = 'view') => {
    for (const item of Array.isArray(items) ? items : [items]) found.push(...divergences(route, item, context));
  };
  check('posts', await get('posts?per_page=100'));
  check('posts', await get(`posts/${facts.post}`));
  check('posts', await get('posts?context=embed'), 'embed');
  check('pages', await get('pages'));
  check('categories', await get('categories?per_page=100'));
  check('categories', await get('categories?context=embed'), 'embed');
  check('tags', await get('tags?per_page=100'));
  check('users', await get('users'));
  check('users', await get('users?context=embed'), 'embed');
  check('media', await get('media'));
  check('media', await get('media?context=embed'), 'embed');
  check('comments', await get(`comments?post=${facts.post}`));
  check('search', await get('search?search=port'), 'view');
  for (const [name, type] of Object.entries(await get('types'))) check('types', type, 'view');
  for (const [name, taxonomy] of Object.entries(await get('taxonomies'))) check('taxonomies', taxonomy, 'view');
  for (const [name, status] of Object.entries(await get('statuses'))) check('statuses', status, 'view');
  const edit = await apiFetch({ path: `/wp/v2/posts/${facts.post}?context=edit` });
  check('posts', edit, 'edit');
  assert.deepEqual(found, []);
});

test('no private address in any public answer', () => {
  const all = seen.join('\n');
  for (const address of facts.private) {
    assert.ok(!all.includes(address), `${address} was shown`);
  }
});
