// Readers at a steady rate (k6), straight to the app servers (HAProxy in
// the local cluster), for what one page costs them: with FRESH=1 every
// address carries a query string of its own, so each page is rendered
// (no page cache, from the database or its replica); without, pages come
// from the servers' page caches. Every answer is counted by status.
import http from 'k6/http';
import { Counter } from 'k6/metrics';

const base = __ENV.BASE;
const paths = open(__ENV.PATHS).split('\n').filter((p) => p.length > 0);
const fresh = __ENV.FRESH === '1';

const ok = new Counter('status_200');
const other = new Counter('status_other');

export const options = {
  discardResponseBodies: true,
  maxRedirects: 0,
  summaryTrendStats: ['avg', 'p(50)', 'p(99)', 'max'],
  scenarios: {
    steady: {
      executor: 'constant-arrival-rate',
      rate: Number(__ENV.RATE || 200),
      timeUnit: '1s',
      duration: `${__ENV.LASTING || 10}s`,
      preAllocatedVUs: 32,
      maxVUs: 256,
    },
  },
};

export default function () {
  const path = paths[Math.floor(Math.random() * paths.length)];
  const query = fresh ? `?lecture=${__VU}-${__ITER}` : '';
  const r = http.get(`${base}${path}${query}`, {
    headers: { 'Accept-Encoding': 'gzip, br', 'X-Forwarded-For': `11.0.${__VU % 256}.${__ITER % 256}` },
    timeout: '10s',
  });
  if (r.status === 200) {
    ok.add(1);
  } else {
    other.add(1);
    console.log(`STATUS ${r.status} ${path}`);
  }
}

export { handleSummary } from './summary.js';
