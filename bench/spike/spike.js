// A story going viral (k6): readers arrive at a rate that climbs a
// hundredfold in a few seconds, holds, then ebbs; 80 % of them open the
// one article, 10 % the front page, 10 % any other article. Reads only,
// through whatever is in front (Varnish, in the local cluster): the
// figures are the cache's hit ratio and what the servers behind it spend.
// Every answer is counted by status (`status_200`, `status_other`), so a
// run that did not do what it says shows it.
import http from 'k6/http';
import { Counter } from 'k6/metrics';

const base = __ENV.BASE;
const paths = open(__ENV.PATHS).split('\n').filter((p) => p.length > 0);
const viral = __ENV.VIRAL || paths[0];
const peak = Number(__ENV.PEAK || 1000);
const seconds = Number(__ENV.LASTING || 20);

const ok = new Counter('status_200');
const other = new Counter('status_other');

const stage = (share, target) => ({ duration: `${Math.max(1, Math.round(seconds * share))}s`, target });

export const options = {
  discardResponseBodies: true,
  summaryTrendStats: ['avg', 'p(50)', 'p(99)', 'max'],
  maxRedirects: 0,
  scenarios: {
    spike: {
      executor: 'ramping-arrival-rate',
      startRate: Math.max(1, Math.round(peak / 100)),
      timeUnit: '1s',
      preAllocatedVUs: 64,
      maxVUs: 512,
      stages: [
        stage(0.15, Math.max(1, Math.round(peak / 100))), // an ordinary evening
        stage(0.15, peak), // the story breaks
        stage(0.4, peak), // everyone reads it
        stage(0.3, Math.round(peak / 5)), // it ebbs
      ],
    },
  },
};

export default function () {
  const draw = Math.random();
  let path = viral;
  if (draw >= 0.9) {
    path = paths[Math.floor(Math.random() * paths.length)];
  } else if (draw >= 0.8) {
    path = '/';
  }
  const r = http.get(`${base}${path}`, { headers: { 'Accept-Encoding': 'gzip, br' }, timeout: '10s' });
  if (r.status === 200) {
    ok.add(1);
  } else {
    other.add(1);
    console.log(`STATUS ${r.status} ${path}`);
  }
}

export { handleSummary } from './summary.js';
