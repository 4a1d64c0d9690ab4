// The reliability suite's load (k6): readers reading articles, 5 % of them
// posting a comment, each from an address of its own (the server runs
// behind_proxy, as behind a load balancer), and a newsroom script saving a
// draft five times a second through the API. Every write is logged before
// it is sent (SENT) and once the server acknowledged it (ACK), so the
// checker can hold the database to what was acknowledged. Answers are
// counted by outcome: expected, another status, or no answer at all.
import http from 'k6/http';
import exec from 'k6/execution';
import { Counter } from 'k6/metrics';

const base = __ENV.BASE;
const paths = open(__ENV.PATHS).split('\n').filter((p) => p.length > 0);
const duration = __ENV.DURATION || '60s';

const expected = new Counter('answers_expected');
const otherStatus = new Counter('answers_other_status');
const noAnswer = new Counter('answers_none');
const reads = new Counter('reads');
const commentsAcked = new Counter('comments_acked');
const articlesAcked = new Counter('articles_acked');

export const options = {
  scenarios: {
    readers: {
      executor: 'constant-vus',
      vus: Number(__ENV.VUS || 256),
      duration,
      exec: 'reader',
    },
    newsroom: {
      executor: 'constant-arrival-rate',
      rate: 5,
      timeUnit: '1s',
      duration,
      preAllocatedVUs: 4,
      exec: 'editor',
    },
  },
  maxRedirects: 0,
  discardResponseBodies: true,
  summaryTrendStats: ['avg', 'p(50)', 'p(95)', 'p(99)', 'max'],
};

function octet() {
  return Math.floor(Math.random() * 256);
}

// Each comment from an address no other comment of the run uses: the site's
// flood rule (one comment per address per 15 s) is a refusal this load is
// not about, and random addresses meet by chance (a birthday collision among
// thousands of posts is likely). The run (RUN, for loads one after the
// other on one database: a run whose writes fail fast reaches counts the
// run before used seconds ago) and the VU in the first two octets, its own
// count in the last two.
const run = Number(__ENV.RUN || 0);
let commentsSent = 0;
function commentAddress() {
  commentsSent += 1;
  const vu = exec.vu.idInTest;
  return `${100 + run * 4 + Math.floor(vu / 256)}.${vu % 256}.${Math.floor(commentsSent / 256) % 256}.${commentsSent % 256}`;
}

function count(r, want, kind) {
  if (r.status === want) {
    expected.add(1);
  } else if (r.status === 0) {
    noAnswer.add(1);
    console.log(`NOANSWER ${kind}`);
  } else {
    otherStatus.add(1);
    // A 503 must say when to come back.
    const retry = r.status === 503 && !r.headers['Retry-After'] ? ' without-retry-after' : '';
    console.log(`STATUS ${kind} ${r.status}${retry}`);
  }
}

function token(kind) {
  return `rel${kind}-${exec.vu.idInTest}-${exec.vu.iterationInInstance}-${Date.now()}`;
}

export function reader() {
  const path = paths[Math.floor(Math.random() * paths.length)];
  const headers = { 'X-Forwarded-For': `11.${octet()}.${octet()}.${octet()}` };
  if (Math.random() < 0.05) {
    headers['X-Forwarded-For'] = commentAddress();
    const t = token('c');
    console.log(`SENT comment ${t}`);
    const r = http.post(
      `${base}${path}comments`,
      { comment: `Mon avis ${t} sur ce sujet.`, name: 'Lectrice', email: 'lectrice@example.org', url: '' },
      { headers, tags: { kind: 'comment' }, timeout: '15s' },
    );
    count(r, 303, 'comment');
    if (r.status === 303) {
      commentsAcked.add(1);
      console.log(`ACK comment ${t}`);
    }
  } else {
    headers['Accept-Encoding'] = 'gzip';
    const r = http.get(`${base}${path}`, { headers, tags: { kind: 'read' }, timeout: '15s' });
    count(r, 200, 'read');
    reads.add(1);
  }
}

export function editor() {
  const t = token('a');
  console.log(`SENT article ${t}`);
  const r = http.post(
    `${base}/api/v1/newsroom/articles`,
    JSON.stringify({ title: `Dépêche ${t}`, body: `Texte de la dépêche ${t}.` }),
    {
      headers: { Authorization: `Bearer ${__ENV.TOKEN}`, 'Content-Type': 'application/json' },
      tags: { kind: 'article' },
      // Past the pool's 5 s wait, a request left hanging counts as unanswered.
      timeout: '15s',
    },
  );
  count(r, 201, 'article');
  if (r.status === 201) {
    articlesAcked.add(1);
    console.log(`ACK article ${t}`);
  }
}

export function handleSummary(data) {
  const value = (name, field) => (data.metrics[name] ? data.metrics[name].values[field] : 0);
  const summary = {
    expected: value('answers_expected', 'count'),
    other_status: value('answers_other_status', 'count'),
    no_answer: value('answers_none', 'count'),
    reads: value('reads', 'count'),
    comments_acked: value('comments_acked', 'count'),
    articles_acked: value('articles_acked', 'count'),
    requests_per_second: value('http_reqs', 'rate'),
    p50_ms: value('http_req_duration', 'p(50)'),
    p99_ms: value('http_req_duration', 'p(99)'),
  };
  return { [__ENV.SUMMARY]: JSON.stringify(summary) };
}
