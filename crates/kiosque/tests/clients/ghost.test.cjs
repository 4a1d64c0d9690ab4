// Ghost's Content API as its own client, npm `@tryghost/content-api`,
// reads it. Run by `crates/kiosque/tests/suite/ghost_api.rs` against a
// server holding the imported fixture site, with NODE_PATH at .ci/tools's
// node_modules:
//
//   KIOSQUE_WP_SITE=http://127.0.0.1:PORT KIOSQUE_WP_FACTS='{…}' node --test THIS_FILE

'use strict';

const { test } = require('node:test');
const assert = require('node:assert/strict');
const GhostContentAPI = require('@tryghost/content-api');

const site = process.env.KIOSQUE_WP_SITE;
const facts = JSON.parse(process.env.KIOSQUE_WP_FACTS || '{}');
assert.ok(site, 'KIOSQUE_WP_SITE is not set');

const api = new GhostContentAPI({ url: site, key: facts.key, version: 'v5.0' });

test('browses posts with their tags and authors, in pages', async () => {
  const posts = await api.posts.browse({ include: 'tags,authors', limit: 1 });
  assert.equal(posts.length, 1);
  assert.equal(posts.meta.pagination.total, facts.published.length);
  assert.equal(posts.meta.pagination.pages, facts.published.length);
  assert.equal(posts.meta.pagination.next, 2);
  const [post] = posts;
  for (const field of ['id', 'uuid', 'title', 'slug', 'html', 'excerpt', 'url', 'published_at', 'reading_time', 'feature_image']) {
    assert.ok(field in post, `no ${field}`);
  }
  assert.ok(post.primary_author && post.authors.length >= 1);
  assert.equal(post.primary_author.id, post.authors[0].id);
  assert.ok(post.url.startsWith(site));
});

test('limit=all, fields and formats', async () => {
  const all = await api.posts.browse({ limit: 'all', fields: 'id,slug,title', formats: 'plaintext' });
  assert.deepEqual(all.map((p) => p.slug).sort(), [...facts.published_slugs].sort());
  assert.equal(all.meta.pagination.limit, 'all');
  for (const p of all) assert.deepEqual(Object.keys(p).sort(), ['id', 'slug', 'title']);
  const plain = await api.posts.browse({ limit: 1, formats: 'plaintext' });
  assert.equal(typeof plain[0].plaintext, 'string');
  assert.equal(plain[0].html, undefined);
});

test('filters by tag, author, featured and date, combined', async () => {
  const inSection = await api.posts.browse({ filter: `tag:${facts.section}`, limit: 'all' });
  assert.deepEqual(inSection.map((p) => p.slug).sort(), [...facts.section_slugs].sort());
  const byAuthor = await api.posts.browse({ filter: `author:${facts.author}`, limit: 'all' });
  assert.deepEqual(byAuthor.map((p) => p.slug), facts.author_slugs);
  const both = await api.posts.browse({ filter: `tag:${facts.section}+author:${facts.author}`, limit: 'all' });
  assert.deepEqual(both.map((p) => p.slug), facts.author_slugs.filter((s) => facts.section_slugs.includes(s)));
  const either = await api.posts.browse({ filter: `tag:${facts.section},author:${facts.author}`, limit: 'all' });
  assert.equal(either.length, new Set([...facts.section_slugs, ...facts.author_slugs]).size);
  const later = await api.posts.browse({ filter: `published_at:>'${facts.between}'`, limit: 'all' });
  assert.deepEqual(later.map((p) => p.slug), [facts.newest]);
  // The front page's pins are Ghost's featured posts.
  const featured = await api.posts.browse({ filter: 'featured:true', limit: 'all' });
  const notFeatured = await api.posts.browse({ filter: 'featured:false', limit: 'all' });
  assert.equal(featured.length + notFeatured.length, facts.published.length);
  for (const p of featured) assert.equal(p.featured, true);
  for (const p of notFeatured) assert.equal(p.featured, false);
  await assert.rejects(api.posts.browse({ filter: 'tag:' }), (e) => {
    assert.equal(e.name, 'BadRequestError');
    return true;
  });
});

test('reads a post by slug and by id; tags, authors, pages and settings', async () => {
  const post = await api.posts.read({ slug: facts.newest }, { include: 'tags,authors' });
  assert.equal(post.slug, facts.newest);
  const same = await api.posts.read({ id: post.id });
  assert.equal(same.slug, facts.newest);
  await assert.rejects(api.posts.read({ slug: 'nulle-part' }), (e) => {
    assert.equal(e.name, 'NotFoundError');
    return true;
  });
  const tags = await api.tags.browse({ limit: 'all', include: 'count.posts' });
  assert.ok(tags.some((t) => t.slug === facts.section && t.count.posts >= 1));
  const authors = await api.authors.browse({ limit: 'all' });
  assert.ok(authors.some((a) => a.slug === facts.author));
  for (const a of authors) assert.equal(a.email, undefined);
  const author = await api.authors.read({ slug: facts.author });
  assert.equal(author.slug, facts.author);
  const pages = await api.pages.browse();
  assert.ok(pages.some((p) => p.slug === facts.page));
  const page = await api.pages.read({ slug: facts.page });
  assert.equal(page.slug, facts.page);
  const settings = await api.settings.browse();
  assert.equal(settings.title, facts.site_name);
  assert.equal(settings.url, `${site}/`);
});

test('a wrong key is refused', async () => {
  const stranger = new GhostContentAPI({ url: site, key: '0123456789abcdef0123456789', version: 'v5.0' });
  await assert.rejects(stranger.posts.browse(), (e) => {
    assert.equal(e.name, 'UnauthorizedError');
    return true;
  });
});
